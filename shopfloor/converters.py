"""Path converters shared by the apps' URLs.

``usid``: a USID as one path segment, whatever it holds. USIDs may carry "/" and "%" (barcodes
such as ``2024/000123``); the segment is percent-encoded once more than Django does, since the
server decodes the path once before routing.
"""

from urllib.parse import quote, unquote

from django.urls import register_converter


class UsidConverter:
    regex = "[^/]+"

    def to_python(self, value):
        return unquote(value)

    def to_url(self, value):
        return quote(value, safe="")


register_converter(UsidConverter, "usid")
