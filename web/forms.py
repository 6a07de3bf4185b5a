"""The sign-in form: Django's own (it checks the password and that the account is active), with
"remember me", off by default."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    remember = forms.BooleanField(label=_("Keep me signed in on this computer"), required=False, initial=False)

    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("This account is disabled."),
    }
