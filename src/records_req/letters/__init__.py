"""Letters: composed once as a structured :class:`~records_req.letters.model.Letter` (pure),
then rendered to DOCX and PDF from that same object, so the two files cannot say different things.

- ``model``: the Letter and its blocks.
- ``compose``: jurisdiction + agency + requester + topics -> Letter, through the wording
  templates in ``templates/letters/*.txt`` (sandboxed Jinja, strict about missing variables).
- ``docx`` and ``pdf``: the renderers (docxtpl, reportlab).
- ``files``: safe file names under ``out/``, atomic writes, no overwriting without ``--force``.
"""
