"""Certificates of attendance: the event's rule, who meets it (from the check-in record) and why
not, issuing them as letters of the kind ``attendance_certificate``, in bulk as a job."""
