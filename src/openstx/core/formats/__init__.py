"""Date and number formats of the interface (``settings.FORMAT_MODULE_PATH``).

Dates read dd/mm/yyyy and date-times dd/mm/yyyy HH:MM in both languages (the department's
documents and Vietnamese readers expect the day first; so do most English readers here). The
JSON API keeps ISO 8601 and exports keep their documented formats: these modules only change
what templates and forms show. Form inputs accept ISO first (``<input type="date">`` sends it)
and dd/mm/yyyy as typed by a person.
"""
