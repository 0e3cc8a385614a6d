Feature: Admin
  Staff work in the admin within what their roles allow: moderators hide the posts people
  report, store managers ship paid orders, and a staff member without those roles is refused.

  Background:
    Given the accounts "ann" and "bob"
    And the moderator "mo"
    And the store manager "meg"
    And the staff member "stan"

  Scenario: A moderator hides a reported post, and others no longer see it
    Given the catalogue has the film "Brazil"
    And "ann" wrote the post "The ending, explained" about "Brazil"
    And "bob" reported the post "The ending, explained" as "It spoils the ending"
    When "mo" opens the moderation queue
    Then the queue lists the report "It spoils the ending" about "The ending, explained"
    When "mo" hides the post "The ending, explained" in the admin
    Then "mo" is told "Hide selected posts: 1 row changed."
    And "bob" no longer sees the post "The ending, explained" in the forum
    But "ann" sees the post "The ending, explained" in the forum marked hidden

  Scenario: A staff member who is no moderator cannot hide a post
    Given the catalogue has the film "Brazil"
    And "ann" wrote the post "The ending, explained" about "Brazil"
    When "stan" tries to hide the post "The ending, explained" in the admin
    Then "stan" is refused
    And "bob" sees the post "The ending, explained" in the forum

  Scenario: A store manager ships a paid order, and the customer can track it
    Given the store sells "Mug" in "Kitchen" at "12.50" with 10 in stock
    And the store ships to France by "Standard" at €4.90, free from €50
    And "ann" has paid for an order of 1 "Mug"
    When "meg" opens the order of "ann" in the admin
    And "meg" marks it shipped with "La Poste" and the tracking number "6A123"
    Then "meg" is told "The order is marked shipped; the customer is told."
    And "ann" sees the order as "Shipped"
    And "ann" reads "Shipped with La Poste, tracking number 6A123." on the order's page

  Scenario: A staff member who is no store manager cannot ship an order
    Given the store sells "Mug" in "Kitchen" at "12.50" with 10 in stock
    And the store ships to France by "Standard" at €4.90, free from €50
    And "ann" has paid for an order of 1 "Mug"
    When "stan" opens the order of "ann" in the admin
    Then "stan" sees no "Mark shipped" on the order
    When "stan" tries to mark the order of "ann" shipped with "La Poste" and the tracking number "6A123"
    Then "stan" is refused
    And "ann" sees the order as "Paid"
