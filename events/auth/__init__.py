"""Accounts, roles, sessions and API tokens: one identity for the API, the pages and Piccolo Admin."""
