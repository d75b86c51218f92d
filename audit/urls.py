from django.urls import path

from audit import views, views_cosign

app_name = "audit"

urlpatterns = [
    path("events/", views.event_browser, name="events"),
    path("verify/", views.chain_verify, name="verify"),
    path("clock/advance/", views.clock_advance, name="clock_advance"),
    path("clock/now/", views.clock_now, name="clock_now"),
    path("checkpoints/latest/", views.checkpoint_latest, name="checkpoint_latest"),
    path("checkpoints/<int:size>/", views.checkpoint_at, name="checkpoint"),
    path("proofs/inclusion/", views.proof_inclusion, name="proof_inclusion"),
    path("proofs/consistency/", views.proof_consistency, name="proof_consistency"),
    path("cosign/<int:size>/", views_cosign.cosign_page, name="cosign"),
]
