"""REST routes of subject access (included under /api/v1/)."""

from django.urls import path

from subjects import api

urlpatterns = [
    path("subject-requests/", api.SubjectRequestListView.as_view(), name="api-subject-requests"),
    path(
        "subject-requests/<str:request_id>/",
        api.SubjectRequestDetailView.as_view(),
        name="api-subject-request",
    ),
    path(
        "subject-requests/<str:request_id>/answer/",
        api.SubjectRequestAnswerView.as_view(),
        name="api-subject-request-answer",
    ),
    path(
        "subject-requests/<str:request_id>/challenge/",
        api.SubjectRequestChallengeView.as_view(),
        name="api-subject-request-challenge",
    ),
    path(
        "subject-consultations/<str:consultation_id>/decision/",
        api.ConsultationDecisionView.as_view(),
        name="api-subject-consultation-decision",
    ),
    path(
        "subject-challenges/<str:challenge_id>/decision/",
        api.ChallengeDecisionView.as_view(),
        name="api-subject-challenge-decision",
    ),
    path(
        "subject-challenges/<str:challenge_id>/ruling/",
        api.ChallengeRulingView.as_view(),
        name="api-subject-challenge-ruling",
    ),
    path(
        "subject-refusal-grounds/",
        api.RefusalGroundListView.as_view(),
        name="api-subject-refusal-grounds",
    ),
]
