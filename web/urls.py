from django.urls import path

from .views import auth, documents, instances, notifications, processes, signing, tasks, worklist

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
    path("viec/<uuid:pk>/ky-so/", signing.sign, name="sign"),
    path("viec/<uuid:pk>/ky-so/van-ban.pdf", signing.document, name="sign_document"),
    path("viec/<uuid:pk>/ky-so/chuan-bi/", signing.prepare, name="sign_prepare"),
    path("viec/<uuid:pk>/ky-so/hoan-tat/<uuid:request_id>/", signing.complete, name="sign_complete"),
    path("quy-trinh/", processes.start_page, name="start"),
    path("quy-trinh/<str:key>/bat-dau/", processes.start, name="start_process"),
    path("ho-so/<uuid:pk>/", instances.instance_page, name="instance"),
    path("ho-so/<uuid:pk>/so-do.json", instances.diagram, name="diagram"),
    path("ho-so/<uuid:pk>/huy/", instances.act, {"verb": "cancel"}, name="instance_cancel"),
    path("ho-so/<uuid:pk>/tam-dung/", instances.act, {"verb": "suspend"}, name="instance_suspend"),
    path("ho-so/<uuid:pk>/tiep-tuc/", instances.act, {"verb": "resume"}, name="instance_resume"),
    path("van-ban/", documents.register_page, name="documents"),
    path("van-ban/so/<int:register_id>/bao-cao/", documents.register_report, name="register_report"),
    path("van-ban/<uuid:pk>/", documents.document_page, name="document"),
    path("van-ban/<uuid:pk>/tep/<uuid:file>/", documents.document_file, name="document_file"),
    path("van-ban/<uuid:pk>/phien-ban/<int:number>/", documents.document_version, name="document_version"),
    path("van-ban/<uuid:pk>/sua/", documents.edit_draft, name="document_edit"),
    path("van-ban/<uuid:pk>/cho-phep/", documents.grant, name="document_grant"),
    path("van-ban/<uuid:pk>/cho-phep/<int:grant_id>/thu-hoi/", documents.revoke, name="document_revoke"),
    path("thong-bao/", notifications.notifications, name="notifications"),
    path("thong-bao/<int:pk>/da-doc/", notifications.mark_read, name="notification_read"),
    path("thong-bao/da-doc-het/", notifications.mark_all_read, name="notifications_read"),
]
