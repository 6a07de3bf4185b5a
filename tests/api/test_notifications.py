"""Each person reads their own notices (reminders, escalations, certificates to renew) and marks
them read; nobody else's, administrators included."""

from django.contrib.auth.models import User

from engine.models import Notification


def test_own_notices_newest_first_unread_filter_and_marking_read(client_of):
    bithu, admin = User.objects.get(username="bithu"), User.objects.get(username="admin")
    older = Notification.objects.create(user=bithu, kind="reminder", message="Sắp đến hạn")
    newer = Notification.objects.create(user=bithu, kind="escalation", message="Quá hạn xử lý")
    theirs = Notification.objects.create(user=admin, kind="certificate_expiring", message="Chứng thư sắp hết hạn")
    client = client_of("bithu")

    listed = client.get("/api/v1/notifications/").json()
    assert [n["id"] for n in listed["results"]] == [newer.pk, older.pk]
    assert listed["results"][0] == {"id": newer.pk, "kind": "escalation", "message": "Quá hạn xử lý",
                                    "instance": None, "created_at": listed["results"][0]["created_at"],
                                    "read_at": None}

    first = client.post(f"/api/v1/notifications/{older.pk}/read/").json()
    assert first["read_at"] is not None
    assert client.post(f"/api/v1/notifications/{older.pk}/read/").json()["read_at"] == first["read_at"]
    assert [n["id"] for n in client.get("/api/v1/notifications/?unread=true").json()["results"]] == [newer.pk]

    # another person's notice, even for an administrator: not found, untouched, and on record
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert client_of("admin").post(f"/api/v1/notifications/{newer.pk}/read/").status_code == 404
    assert client.post("/api/v1/notifications/not-a-number/read/").status_code == 404
    assert Notification.objects.filter(pk__in=[theirs.pk, newer.pk], read_at__isnull=False).count() == 0
