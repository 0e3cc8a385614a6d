Feature: Store
  Customers browse the catalogue, put products in their cart, check out with their addresses and
  a shipping method, and pay by card; the sandbox payment provider takes its test cards. A paid
  order shows in the customer's history as paid; a declined card leaves the order unpaid.

  Background:
    Given the store sells "Mug" in "Kitchen" at "12.50" with 10 in stock
    And the store ships to France by "Standard" at €4.90, free from €50
    And the account "ann"
    And I am logged in as "ann"

  Scenario: Ann buys two mugs and pays by card
    When I browse the store
    Then I see "Mug" at "€12.50"
    When I open the product "Mug"
    And I add 2 to my cart
    Then my cart holds 2 "Mug" for "€25.00"
    When I check out with these details:
      | email         | ann@example.com  |
      | phone         | +33612345678     |
      | ship_name     | Ann Example      |
      | ship_line1    | 1 rue de la Paix |
      | ship_postcode | 75002            |
      | ship_city     | Paris            |
      | ship_country  | FR               |
      | same_billing  | on               |
    Then shipping by "Standard" costs "€4.90", for a total of "€35.88"
    When I place the order with "Standard" shipping
    Then I am asked to pay "€35.88"
    When I pay with the card "4242 4242 4242 4242"
    Then I am told "Thank you!"
    And I see the order as "Paid"
    And my order history shows the order as "Paid" for "€35.88"

  Scenario: A declined card leaves the order unpaid
    When I browse the store
    And I open the product "Mug"
    And I add 1 to my cart
    And I check out with these details:
      | email         | ann@example.com  |
      | ship_name     | Ann Example      |
      | ship_line1    | 1 rue de la Paix |
      | ship_postcode | 75002            |
      | ship_city     | Paris            |
      | ship_country  | FR               |
      | same_billing  | on               |
    And I place the order with "Standard" shipping
    Then I am asked to pay "€20.88"
    When I pay with the card "4000 0000 0000 0002"
    Then I am told "The payment was declined: Your card was declined."
    And I am asked to pay "€20.88"
    And I see the order as "Awaiting payment"
    And my order history shows the order as "Awaiting payment" for "€20.88"
