"""The local web page (``itaku serve``) and the secretariat's history pages; see app.py."""
