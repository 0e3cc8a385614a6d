Feature: Movies
  Anyone may browse the films on the home page, search their titles without minding accents or
  case, narrow the list to a genre, and open a film's page.

  Background:
    Given the catalogue has these films:
      | title                               | released   | rating | genres                  | director            |
      | Le Fabuleux destin d'Amélie Poulain | 2001-04-25 | 8.4    | Comedy                  | Jean-Pierre Jeunet  |
      | Brazil                              | 1985-02-20 | 7.9    | Comedy, Science Fiction | Terry Gilliam       |
      | Déjà Vu                             | 2006-11-22 | 6.7    | Science Fiction         | Tony Scott          |
      | Deja Vu                             | 1985-03-01 | 5.0    | Drama                   | Anthony B. Richmond |

  Scenario: The home page lists every film, most popular first
    When I open the home page
    Then I see these films, in this order:
      | Le Fabuleux destin d'Amélie Poulain |
      | Brazil                              |
      | Déjà Vu                             |
      | Deja Vu                             |

  Scenario: Searching ignores accents and case
    When I search for "AMELIE"
    Then I see only the film "Le Fabuleux destin d'Amélie Poulain"
    When I search for "déjà VU"
    Then I see these films, in this order:
      | Déjà Vu |
      | Deja Vu |

  Scenario: A genre narrows the list, with a search or without
    When I choose the genre "Science Fiction"
    Then I see these films, in this order:
      | Brazil  |
      | Déjà Vu |
    When I search for "deja" in the genre "Science Fiction"
    Then I see only the film "Déjà Vu"

  Scenario: A film's page shows its details
    When I search for "brazil"
    And I open the film "Brazil"
    Then the film's page shows:
      | Brazil (1985)           |
      | Released 20 February 1985 |
      | Director Terry Gilliam  |
      | Rating 7.9 / 10         |
      | Comedy Science Fiction  |

  Scenario: A search that finds nothing, and a film that does not exist
    When I search for "zzz"
    Then the list says no film matches
    When I open the page of a film that does not exist
    Then the page is not found
