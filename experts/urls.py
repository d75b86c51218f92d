from django.urls import path

from experts import views, views_pool

app_name = "experts"

urlpatterns = [
    path("pool/", views_pool.pool, name="pool"),
    path("pool/import/", views_pool.pool_import, name="pool_import"),
    path("draws/", views.draw_list, name="draws"),
    path("lots/<int:lot_pk>/draws/new/", views.draw_create, name="draw_create"),
    path("rooms/<int:pk>/", views.room, name="room"),
    path("rooms/<int:pk>/freeze/", views.freeze, name="freeze"),
    path("rooms/<int:pk>/checkpoint/", views.checkpoint, name="checkpoint"),
    path("rooms/<int:pk>/witness/", views.witness, name="witness"),
    path("rooms/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("rooms/<int:pk>/abandon/", views.abandon, name="abandon"),
    path("rooms/<int:pk>/record.json", views.record, name="record"),
    path("picks/<int:pk>/<str:action>/", views.pick_action, name="pick_action"),
    path("calls/", views.my_calls, name="my_calls"),
    path("calls/<int:pk>/", views.call_page, name="call"),
    path("public/", views.public_list, name="public_list"),
    path("public/<str:draw_id>/", views.public_page, name="public"),
    path("public/<str:draw_id>/draw.json", views.public_json, name="public_json"),
    path("public/<str:draw_id>/screen/", views.screen, name="screen"),
]
