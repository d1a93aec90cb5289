"""Country action plans (issue 19, "Outcomes"): each beneficiary country's strategy, roadmap or action
plan for an event — a document (PDF or DOCX, checked by content, encrypted at rest) and a few fields
(priority services, channels, target date, summary), written by the approved participants who
represent the country, submitted, and returned or marked reviewed by the event's organisers, who
comment in a thread the country's participants read.

Who sees what: :mod:`events.action_plans.access`. Files: :mod:`events.action_plans.files`.
Actions: :mod:`events.action_plans.services`. Retention: plans are country documents, not personal
data, and are kept with the event; who uploaded or changed a plan is a link to the registration (or
the account), set to null when that registration or account is erased, and names are read through it.
"""
