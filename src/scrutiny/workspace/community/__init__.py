"""Community stop reports: the public's own record of a stop or search, moderated by panels, published only as
suppressed counts beside the official figures, with a complaint letter the person sends themselves.

    places       the local authorities of England and Wales, the forces that police them, their professional
                 standards departments, and the ~200 m grid map pins are rounded to before they are stored
    reports      checking and storing a submission (the one write made without a logged-in account)
    retention    deleting contact details once their retention period is over
    moderation   publish, hide, flag, approve the free text (panel members; every change audited)
    letters      the complaint letter, as text and PDF, fetched once with a token only the submitter saw
    summary      the public aggregates by borough and month
    ratelimit    how many reports one address may send in a window
"""
