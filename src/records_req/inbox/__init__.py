"""The agency's replies: messages taken in from the user's mailbox (IMAP) or from files (.eml,
.mbox, Maildir, Outlook .msg), matched to their requests, read for the events they announce
(proposed, never recorded without the user's confirmation), their attachments stored once by hash
with their text per page.

- :mod:`.parse`: a message's bytes to its headers, its text (never live HTML) and its parts.
- :mod:`.files`: attachments stored by hash; text per page (PDF, DOCX, XLSX, OCR where possible).
- :mod:`.match`: which request a message answers, and how that was found.
- :mod:`.read`: the events a reply announces, each with the sentence it was read from.
- :mod:`.intake`: taking messages in (files, mailboxes), the queue, review and confirmation.
- :mod:`.imap`: the IMAP account and ``fetch``.
- :mod:`.msg`: Outlook's .msg read with olefile.
"""
