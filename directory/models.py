"""Bodies, roles, positions, who holds them over time, written delegations, and Party members.

The scheme: a BPMN lane names a **role** (``van_thu``, ``lanh_dao``…). A **position** sits in a
body (the org chart) and carries **role grants**, each naming the body in which the role applies:
the clerk of the Party Committee's office sits in ``van_phong_dang_uy`` and is granted ``van_thu``
in ``dang_uy_xa``. A **holding** says who holds a position from when until when; a **delegation**
lends some of a position's roles to another person for a while. ``directory.roles`` resolves them.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def in_force_on(day: date, prefix: str = "") -> Q:
    """Rows whose ``valid_from``/``valid_to`` window (``valid_to`` inclusive, open when empty) covers ``day``."""
    return (Q(**{f"{prefix}valid_from__lte": day})
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})))


class Body(models.Model):
    """An organisation or one of its units: the Party Committee and its office and boards, the
    People's Committee and its offices, the one-stop centre, the Fatherland Front, the Party cells.
    ``kind`` says which system it belongs to (its documents follow that system's rules)."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party")
        STATE = "state", _("State")
        FRONT = "front", _("Fatherland Front")
        CELL = "cell", _("Party cell")

    code = models.SlugField(_("code"), max_length=100, unique=True,
                            help_text=_("Used by processes as their owning body, e.g. dang_uy_xa."))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent body"))
    organ_id = models.CharField(_("identification code"), max_length=35, blank=True, db_index=True,
                                help_text=_("Mã định danh (QCVN 102, QĐ 20/2020), used to exchange documents."))
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True,
                                    help_text=_("Its part of a document's notation, e.g. ĐU, UBND."))

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        seen, parent = {self.pk}, self.parent
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"parent": _("A body cannot be placed under itself.")})
            seen.add(parent.pk)
            parent = parent.parent


class Role(models.Model):
    """What a BPMN lane names; positions grant roles in bodies."""

    code = models.SlugField(_("code"), max_length=100, unique=True, help_text=_("The lane id in BPMN, e.g. van_thu."))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Position(models.Model):
    """A post in a body (Bí thư Đảng ủy, Văn thư Văn phòng Đảng ủy…); several people may hold
    the same post at once (two specialists of one board)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="positions", verbose_name=_("body"))
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["body__code", "title"]
        constraints = [models.UniqueConstraint(fields=["body", "title"], name="position_body_title")]

    def __str__(self) -> str:
        return f"{self.title} — {self.body.name}"


class RoleGrant(models.Model):
    """A position's role in a body: who holds the position holds the role there."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="grants",
                                 verbose_name=_("position"))
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants", verbose_name=_("role"))
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="role_grants",
                             verbose_name=_("in body"), help_text=_("The body in which the role applies."))

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["position", "role", "body"], name="grant_position_role_body")]
        # holders(role, body) starts here.
        indexes = [models.Index(fields=["role", "body"], name="grant_role_body")]

    def __str__(self) -> str:
        return f"{self.role.code} @ {self.body.code}"


class HoldingQuerySet(models.QuerySet):
    def in_force(self, day: date):
        return self.filter(in_force_on(day))


class Holding(models.Model):
    """A person holding a position from one day until another (open-ended while in office)."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="holdings",
                                 verbose_name=_("position"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holdings",
                             verbose_name=_("person"))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True,
                                help_text=_("Last day in office; empty while in office."))

    objects = HoldingQuerySet.as_manager()

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        indexes = [models.Index(fields=["user", "valid_from"], name="holding_user"),
                   models.Index(fields=["position", "valid_from"], name="holding_position")]
        constraints = [models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                              name="holding_dates")]

    def __str__(self) -> str:
        return f"{self.user} — {self.position}"

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})


class DelegationQuerySet(models.QuerySet):
    def effective(self, day: date):
        """In force on ``day``, not revoked by then, and the delegator holds the position that day:
        a delegation lapses when its giver leaves office, so a delegate's own delegation (refused
        by ``directory.delegations``, but possible in raw data) never carries anything."""
        giver_holds = Holding.objects.in_force(day).filter(user_id=OuterRef("delegator_id"),
                                                           position_id=OuterRef("position_id"))
        not_revoked = Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=day)
        return self.filter(in_force_on(day), not_revoked, Exists(giver_holds))


class Delegation(models.Model):
    """A written delegation of some of a position's roles: ký thay (K/T), thừa lệnh (T/L) or thừa
    ủy quyền (T/UQ: in writing, limited in time and scope, never passed on). Create them with
    ``directory.delegations.delegate``, which enforces who may delegate what."""

    class Kind(models.TextChoices):
        KY_THAY = "kt", _("Signing on behalf (K/T)")
        THUA_LENH = "tl", _("By order (T/L)")
        THUA_UY_QUYEN = "tuq", _("By authorisation (T/UQ)")

    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="delegations",
                                 verbose_name=_("delegated position"))
    roles = models.ManyToManyField(Role, related_name="delegations", verbose_name=_("delegated roles"),
                                   help_text=_("The roles of the position that the delegate may exercise."))
    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("delegated by"))
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations",
                                 verbose_name=_("delegate"))
    scope = models.CharField(_("scope"), max_length=500, blank=True,
                             help_text=_("What the written decision allows, in its own words."))
    document = models.CharField(_("delegating document"), max_length=200,
                                help_text=_("Number and symbol of the written decision."))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        indexes = [models.Index(fields=["delegate", "valid_from"], name="delegation_delegate"),
                   models.Index(fields=["position", "valid_from"], name="delegation_position")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="delegation_dates"),
            models.CheckConstraint(condition=~Q(delegate=F("delegator")), name="delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.delegator} → {self.delegate} ({self.position})"

    def clean(self):
        """Who may delegate what to whom (``directory.delegations`` states the rules), so the admin
        pages enforce the same rules as ``directory.delegations.delegate``."""
        _check_delegation(self)


def _check_delegation(delegation: Delegation) -> None:
    """Raise ``ValidationError`` unless ``delegation`` may be given."""
    d = delegation
    errors: dict[str, list[str | Promise]] = {}  # lazy translations
    if d.kind == Delegation.Kind.THUA_UY_QUYEN and d.valid_to is None:
        errors.setdefault("valid_to", []).append(_("Authorisation (T/UQ) is limited in time: give an end date."))
    if d.valid_from and d.valid_to and d.valid_to < d.valid_from:
        errors.setdefault("valid_to", []).append(_("The end date is before the start date."))
    if d.delegator_id and d.delegate_id and d.delegator_id == d.delegate_id:
        errors.setdefault("delegate", []).append(_("A person cannot delegate to themselves."))
    if errors:
        raise ValidationError(errors)
    if d.position_id and d.delegator_id and d.valid_from:
        _check_giver(d)
    if d.position_id and d.delegate_id and d.valid_from:
        _check_receiver(d)


def _check_giver(d: Delegation) -> None:
    holds = Holding.objects.in_force(d.valid_from).filter(user_id=d.delegator_id, position_id=d.position_id)
    if holds.exists():
        return
    received = (Delegation.objects.effective(d.valid_from).filter(delegate_id=d.delegator_id, position_id=d.position_id)
                .exclude(pk=d.pk).values_list("kind", flat=True))
    kinds = set(received)
    if Delegation.Kind.THUA_UY_QUYEN in kinds:
        raise ValidationError({"delegator": _("Authority received by authorisation (T/UQ) cannot be delegated again.")})
    if kinds:
        raise ValidationError({"delegator": _("Delegated authority cannot be delegated again.")})
    raise ValidationError({"delegator": _("Only a holder of the position can delegate its authority.")})


def _check_receiver(d: Delegation) -> None:
    body_id = Position.objects.values_list("body_id", flat=True).get(pk=d.position_id)
    where = Q(position__body_id=body_id)
    if d.kind != Delegation.Kind.KY_THAY:
        where |= Q(position__body__parent_id=body_id)
    if not Holding.objects.in_force(d.valid_from).filter(where, user_id=d.delegate_id).exists():
        message = (_("Signing on behalf (K/T) is given to a deputy of the same body.")
                   if d.kind == Delegation.Kind.KY_THAY
                   else _("The delegate must hold a position in the body or in one of its units."))
        raise ValidationError({"delegate": message})


class Member(models.Model):
    """A Party member of a cell. Kept apart from staff accounts: most members have none, and a
    member's record must not change because an account does."""

    class Status(models.TextChoices):
        PROBATIONARY = "du_bi", _("Probationary")
        FULL = "chinh_thuc", _("Full member")

    class Gender(models.TextChoices):
        MALE = "nam", _("Male")
        FEMALE = "nu", _("Female")

    full_name = models.CharField(_("full name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    cell = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="members", verbose_name=_("Party cell"),
                             limit_choices_to={"kind": Body.Kind.CELL})
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    admitted_on = models.DateField(_("admitted on"))
    recognised_on = models.DateField(_("recognised as full member on"), null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="party_member", verbose_name=_("account"),
                                help_text=_("Only for members who use the system themselves."))

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")
        ordering = ["full_name"]
        indexes = [models.Index(fields=["cell", "status"], name="member_cell_status")]

    def __str__(self) -> str:
        return self.full_name

    def clean(self):
        if self.admitted_on and self.birth_date and self.admitted_on <= self.birth_date:
            raise ValidationError({"admitted_on": _("The admission date must be after the date of birth.")})
        if self.status == self.Status.PROBATIONARY and self.recognised_on:
            raise ValidationError({"recognised_on": _("A probationary member has not been recognised yet.")})


class Duty(models.Model):
    """Who is the leader on duty (trực lãnh đạo) of a body on a day, and their deputy: a Hỏa tốc
    document goes to them at once, whatever the hour, and to the deputy when the leader does not act
    within the SLA (BRIEF S02)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="duties", verbose_name=_("body"))
    day = models.DateField(_("day"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("leader on duty"))
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("deputy"),
                               help_text=_("Receives a flash document the leader has not acted on in time."))

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duty roster")
        ordering = ["body", "day"]
        constraints = [models.UniqueConstraint(fields=["body", "day"], name="duty_one_per_body_and_day"),
                       models.CheckConstraint(condition=~Q(deputy=F("leader")), name="duty_deputy_not_leader")]

    def __str__(self) -> str:
        return f"{self.body.code} {self.day:%d/%m/%Y}: {self.leader}"
