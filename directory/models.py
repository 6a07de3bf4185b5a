"""Bodies, roles, positions, the people holding them over time, written delegations, Party members."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Body(models.Model):
    """An organisation: the Party Committee, its organs, the People's Committee and its offices,
    the one-stop centre, the Fatherland Front, the Party cells. Organs sit under their body."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party committee")
        PARTY_ORGAN = "party_organ", _("Party organ")
        STATE = "state", _("People's Committee")
        STATE_OFFICE = "state_office", _("State office")
        FRONT = "front", _("Fatherland Front")
        CELL = "cell", _("Party cell")

    code = models.SlugField(_("code"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent body"))

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """What a BPMN lane names (``van_thu``, ``lanh_dao`` …); positions grant roles."""

    code = models.SlugField(_("code"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Position(models.Model):
    """A post in a body (Bí thư Đảng ủy, Văn thư Văn phòng Đảng ủy …). Its roles apply in its body
    and in the bodies above it: the office's clerk is the Party Committee's clerk."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="positions", verbose_name=_("body"))
    title = models.CharField(_("title"), max_length=200)
    roles = models.ManyToManyField(Role, related_name="positions", verbose_name=_("roles"))

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["body__code", "title"]

    def __str__(self) -> str:
        return f"{self.title} — {self.body.name}"


class Holding(models.Model):
    """A person holding a position, from one date until another (open-ended while in office)."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="holdings",
                                 verbose_name=_("position"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holdings",
                             verbose_name=_("person"))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        indexes = [models.Index(fields=["user", "valid_from"], name="holding_user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.position}"

    def clean(self):
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})


class Delegation(models.Model):
    """A written delegation of a position's authority: ký thay (K/T), thừa lệnh (T/L) or thừa ủy
    quyền (T/UQ, in writing, limited in time and scope, and never passed on)."""

    class Kind(models.TextChoices):
        KY_THAY = "kt", _("Signing on behalf (K/T)")
        THUA_LENH = "tl", _("By order (T/L)")
        THUA_UY_QUYEN = "tuq", _("By authorisation (T/UQ)")

    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="delegations",
                                 verbose_name=_("delegated position"))
    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("delegated by"))
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations",
                                 verbose_name=_("delegate"))
    scope = models.CharField(_("scope"), max_length=500, blank=True)
    document = models.CharField(_("delegating document"), max_length=200,
                                help_text=_("Number and symbol of the written decision."))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        indexes = [models.Index(fields=["delegate", "valid_from"], name="delegation_delegate")]
        constraints = [models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                              name="delegation_dates")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.delegator} → {self.delegate} ({self.position})"


class Member(models.Model):
    """A Party member of a cell (kept apart from staff accounts; most members have none)."""

    class Status(models.TextChoices):
        PROBATIONARY = "du_bi", _("Probationary")
        FULL = "chinh_thuc", _("Full member")

    full_name = models.CharField(_("full name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=10, choices=[("nam", _("Male")), ("nu", _("Female"))])
    cell = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="members", verbose_name=_("Party cell"),
                             limit_choices_to={"kind": Body.Kind.CELL})
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    admitted_on = models.DateField(_("admitted on"))
    recognised_on = models.DateField(_("recognised as full member on"), null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="party_member", verbose_name=_("handbook account"))

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")
        ordering = ["cell__code", "full_name"]
        indexes = [models.Index(fields=["cell", "status"], name="member_cell_status")]

    def __str__(self) -> str:
        return self.full_name
