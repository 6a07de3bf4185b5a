"""Tokens: ``POST /api/v1/auth/token/`` with a username and password; ``DELETE`` revokes the one used."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiToken
from ..problems import record_denial
from ..serializers import TokenRequestSerializer, TokenSerializer


class TokenView(APIView):
    throttle_scope = "login"

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "POST" else [permissions.IsAuthenticated()]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenSerializer}, auth=[])
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(request, username=body.validated_data["username"], password=body.validated_data["password"])
        if user is None:
            record_denial(request, 401)
            raise exceptions.AuthenticationFailed(_("Wrong username or password."))
        days = settings.API.get("TOKEN_DAYS", 30)
        token, key = ApiToken.issue(user, name=_("sign-in"), lifetime=timedelta(days=days) if days else None)
        return Response(TokenSerializer({"token": key, "expires_at": token.expires_at}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if isinstance(request.auth, ApiToken):
            request.auth.revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)
