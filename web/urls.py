from django.urls import path

from .views import auth, instances, notifications, processes, tasks, worklist

app_name = "web"

urlpatterns = [
    path("", worklist.worklist, name="worklist"),
    path("dang-nhap/", auth.sign_in, name="sign_in"),
    path("dang-nhap/ma-xac-thuc/", auth.sign_in_code, name="sign_in_code"),
    path("dang-xuat/", auth.sign_out, name="sign_out"),
    path("bao-mat/", auth.security, name="security"),
    path("viec/<uuid:pk>/", tasks.task_page, name="task"),
    path("viec/<uuid:pk>/nhan/", worklist.claim, name="claim"),
    path("viec/<uuid:pk>/tra-lai/", worklist.unclaim, name="unclaim"),
    path("quy-trinh/", processes.start_page, name="start"),
    path("quy-trinh/<str:key>/bat-dau/", processes.start, name="start_process"),
    path("ho-so/<uuid:pk>/", instances.instance_page, name="instance"),
    path("ho-so/<uuid:pk>/so-do.json", instances.diagram, name="diagram"),
    path("ho-so/<uuid:pk>/huy/", instances.act, {"verb": "cancel"}, name="instance_cancel"),
    path("ho-so/<uuid:pk>/tam-dung/", instances.act, {"verb": "suspend"}, name="instance_suspend"),
    path("ho-so/<uuid:pk>/tiep-tuc/", instances.act, {"verb": "resume"}, name="instance_resume"),
    path("thong-bao/", notifications.notifications, name="notifications"),
    path("thong-bao/<int:pk>/da-doc/", notifications.mark_read, name="notification_read"),
    path("thong-bao/da-doc-het/", notifications.mark_all_read, name="notifications_read"),
]
