"""What every staff page asks before it runs: a signed-in person, who has passed the second factor
where it is mandatory for them (``web.secondfactor``)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from . import secondfactor


def staff_page(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if secondfactor.required(request.user) and not request.user.is_verified():
            return redirect("web:security")
        return view(request, *args, **kwargs)

    return guarded


def signed_in(view):
    """A signed-in person, second factor or not: the page where they set it up."""
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded
