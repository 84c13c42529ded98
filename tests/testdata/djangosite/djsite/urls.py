from django.urls import path

from djsite import views

urlpatterns = [
    path("", views.info, name="info"),
    path("page/", views.page, name="page"),
    path("form/", views.form, name="form"),
    path("redirect/", views.go, name="redirect"),
    path("boom/", views.boom, name="boom"),
    path("upload/", views.upload, name="upload"),
]
