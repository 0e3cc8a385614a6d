Feature: Accounts
  People sign up with a username, an email address and a password, confirm the address by the
  link the site mails them, then log in and out. Until the address is confirmed, and with a wrong
  password, nobody gets in.

  Scenario: A visitor signs up, confirms the address from the mail, logs in and out
    When I sign up as "alice" with the email "alice@example.com" and the passwords "correct horse battery" and "correct horse battery"
    Then I am told "We sent a confirmation link to alice@example.com."
    And a mail "Confirm your email address for Bureau" reaches "alice@example.com" with a link
    When I open the link in the mail and confirm my address
    Then I am told "You have confirmed alice@example.com."
    When I log in as "alice" with the password "correct horse battery"
    Then I am told "Successfully signed in as alice."
    And I am logged in as "alice"
    When I log out
    Then I am told "You have signed out."
    And I am not logged in

  Scenario: The right password is not enough before the address is confirmed
    When I sign up as "alice" with the email "alice@example.com" and the passwords "correct horse battery" and "correct horse battery"
    And I log in as "alice" with the password "correct horse battery"
    Then the form is refused with "Your email address is not verified yet."
    And I am not logged in

  Scenario: A wrong password is refused
    Given the account "bob"
    When I log in as "bob" with the password "not bob's password"
    Then the form is refused with "The username/email or password is not correct."
    And I am not logged in

  Scenario: Two different passwords make no account
    When I sign up as "alice" with the email "alice@example.com" and the passwords "correct horse battery" and "correct horse battery!"
    Then the form is refused with "You must type the same password each time."
    When I log in as "alice" with the password "correct horse battery"
    Then the form is refused with "The username/email or password is not correct."
