"""Calendar feeds (iCalendar): the programme, an event, a participant's agenda, a visit slot."""
