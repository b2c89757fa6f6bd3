"""Browser routes of subject access (German paths)."""

from django.urls import path

from subjects import views

urlpatterns = [
    path("auskunft/", views.request_list, name="subject_request_list"),
    path("auskunft/neu/", views.request_new, name="subject_request_new"),
    path(
        "auskunft/beteiligung/<str:consultation_id>/",
        views.consultation_decision,
        name="subject_consultation_decision",
    ),
    path(
        "auskunft/rechtsbehelf/<str:challenge_id>/entscheidung/",
        views.challenge_decision,
        name="subject_challenge_decision",
    ),
    path(
        "auskunft/rechtsbehelf/<str:challenge_id>/urteil/",
        views.challenge_ruling,
        name="subject_challenge_ruling",
    ),
    path("auskunft/<str:request_id>/", views.request_detail, name="subject_request_detail"),
    path("auskunft/<str:request_id>/antwort/", views.request_answer, name="subject_request_answer"),
    path(
        "auskunft/<str:request_id>/schreiben/", views.request_letter, name="subject_request_letter"
    ),
]
