"""Reference data: countries (ISO 3166 via pycountry) and UN country groups with effective dates."""
