Feature: Forum
  Registered users write posts about films and vote on each other's posts. Voting the same way
  twice takes the vote back. Only a post's author may change it.

  Background:
    Given the catalogue has the film "Brazil"
    And the accounts "ann" and "bob"

  Scenario: Ann writes about a film, and the film's page lists her post
    Given I am logged in as "ann"
    When I write a post about "Brazil" titled "Gilliam's best" saying "A *dystopian* masterpiece."
    Then I am told "Your post is published."
    And I see the post "Gilliam's best" about "Brazil" with a score of 0
    And its text shows "dystopian" in emphasis
    And the page of the film "Brazil" lists the post "Gilliam's best"

  Scenario: A post needs a title
    Given I am logged in as "ann"
    When I write a post about "Brazil" titled "  " saying "I forgot the title."
    Then the form is refused with "This field is required."
    And the forum has no posts

  Scenario: Votes change the score, and the same vote again takes it back
    Given "ann" wrote the post "Gilliam's best" about "Brazil"
    And I am logged in as "bob"
    When I vote up the post "Gilliam's best"
    Then I am told "You voted this post up."
    And the post "Gilliam's best" has a score of 1
    When I vote up the post "Gilliam's best"
    Then I am told "Your vote is taken back."
    And the post "Gilliam's best" has a score of 0
    When I vote down the post "Gilliam's best"
    Then I am told "You voted this post down."
    And the post "Gilliam's best" has a score of -1

  Scenario: Someone else cannot edit my post
    Given "ann" wrote the post "Gilliam's best" about "Brazil"
    And I am logged in as "bob"
    When I try to change the title of the post "Gilliam's best" to "Bob was here"
    Then I am refused with "Only its author may change a post."
    And I see the post "Gilliam's best" in the forum
    And the forum lists no post titled "Bob was here"
