"""Layout → PDF (reportlab) and PNG previews (pypdfium2); fonts."""
