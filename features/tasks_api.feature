Feature: Tasks through the API
  Integrators log in at /api/auth/login/ with a username and password, and manage their own
  tasks with the bearer token they get. Other people's tasks are out of reach, and bad input is
  refused as problem+json naming each bad field, with nothing written.

  Background:
    Given the accounts "ann" and "bob"

  Scenario: Ann creates, lists, updates and deletes a task
    Given "ann" has logged in to the API
    When "ann" creates the task "Write the report"
    Then the API answers 201
    And the answer is the task "Write the report" with the status "todo"
    When "ann" lists their tasks
    Then the list holds the tasks:
      | Write the report |
    When "ann" sets the status of the task "Write the report" to "done"
    Then the API answers 200
    And the answer is the task "Write the report" with the status "done"
    When "ann" deletes the task "Write the report"
    Then the API answers 204
    When "ann" lists their tasks
    Then the list is empty

  Scenario: Another user's task is not found, and stays as it was
    Given "ann" has logged in to the API
    And "ann" has the task "Ann's secret"
    And "bob" has logged in to the API
    When "bob" reads the task "Ann's secret"
    Then the API answers 404 with a problem
    When "bob" sets the status of the task "Ann's secret" to "done"
    Then the API answers 404 with a problem
    When "bob" deletes the task "Ann's secret"
    Then the API answers 404 with a problem
    When "bob" lists their tasks
    Then the list is empty
    And "ann" still has the task "Ann's secret" unchanged

  Scenario: Bad input is refused field by field
    Given "ann" has logged in to the API
    When "ann" creates a task with this JSON:
      """
      {"title": "   ", "status": "later"}
      """
    Then the API answers 422 with a problem
    And the problem names the fields "status" and "title"
    And "ann" has no tasks

  Scenario: A wrong password gets no token
    When "ann" logs in to the API with the password "not ann's password"
    Then the API answers 401 with a problem
    When "ann" lists their tasks
    Then the API answers 401 with a problem
