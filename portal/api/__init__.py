"""A JSON API with an OpenAPI description, and the API tokens that open it (issue #19)."""
