"""The role queries in plain SQL.

They run on every API request and every form check; compiling the equivalent ORM queries (EXISTS
and UNION over grants, holdings and delegations) cost more than running them. They apply the same
rules as ``Holding.in_force`` and ``Delegation.effective``: ``%(day)s`` is the day asked about,
``%(next_day)s`` the start of the next one in local time (a delegation revoked during ``day`` no
longer counts that day).
"""


def _in_force(alias: str) -> str:
    return f"{alias}.valid_from <= %(day)s AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %(day)s)"


# A delegation counts while in force, not revoked by then, and while its giver holds the position.
_EFFECTIVE = f"""{_in_force("given")} AND (given.revoked_at IS NULL OR given.revoked_at >= %(next_day)s)
    AND EXISTS (SELECT 1 FROM directory_holding giver WHERE giver.user_id = given.delegator_id
                AND giver.position_id = given.position_id AND {_in_force("giver")})"""

_GRANTS = """directory_rolegrant grant_ JOIN directory_role role ON role.id = grant_.role_id
    JOIN directory_body body ON body.id = grant_.body_id"""

#: (role code, body code) pairs of %(user)s; groups named after a role count in every body ('*').
ROLE_PAIRS = f"""
SELECT role.code, body.code FROM {_GRANTS}
WHERE EXISTS (SELECT 1 FROM directory_holding held WHERE held.position_id = grant_.position_id
              AND held.user_id = %(user)s AND {_in_force("held")})
   OR EXISTS (SELECT 1 FROM directory_delegation_roles lent
              JOIN directory_delegation given ON given.id = lent.delegation_id
              WHERE lent.role_id = grant_.role_id AND given.position_id = grant_.position_id
                AND given.delegate_id = %(user)s AND {_EFFECTIVE})
UNION
SELECT grp.name, '*' FROM auth_group grp JOIN auth_user_groups member ON member.group_id = grp.id
WHERE member.user_id = %(user)s
"""

#: Ids of the active users holding %(role)s in %(body)s (any body when empty).
HOLDERS = f"""
SELECT id FROM auth_user WHERE is_active AND id IN (
    SELECT held.user_id FROM {_GRANTS}
    JOIN directory_holding held ON held.position_id = grant_.position_id
    WHERE role.code = %(role)s AND (%(body)s = '' OR body.code = %(body)s) AND {_in_force("held")}
    UNION
    SELECT given.delegate_id FROM {_GRANTS}
    JOIN directory_delegation given ON given.position_id = grant_.position_id
    JOIN directory_delegation_roles lent ON lent.delegation_id = given.id AND lent.role_id = grant_.role_id
    WHERE role.code = %(role)s AND (%(body)s = '' OR body.code = %(body)s) AND {_EFFECTIVE}
    UNION
    SELECT member.user_id FROM auth_user_groups member JOIN auth_group grp ON grp.id = member.group_id
    WHERE grp.name = %(role)s)
"""
