"""The staff pages. A view parses the request, asks the access modules what the person may see,
calls the same service functions as the API, and renders; it decides no rule itself."""
