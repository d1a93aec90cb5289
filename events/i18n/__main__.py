from events.i18n.catalogues import update_catalogues

update_catalogues()
