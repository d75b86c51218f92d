from django.urls import path

from trading import views_actions, views_admin, views_detail, views_listings, views_results

app_name = "trading"

urlpatterns = [
    path("listings/", views_listings.listing_index, name="listing_index"),
    path("listings/mine/", views_listings.my_listings, name="my_listings"),
    path("listings/new/", views_listings.listing_create, name="listing_create"),
    path("listings/<int:pk>/", views_detail.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/edit/", views_listings.listing_edit, name="listing_edit"),
    path("listings/<int:pk>/documents/", views_actions.document_add, name="document_add"),
    path("listings/<int:pk>/submit/", views_actions.listing_submit, name="listing_submit"),
    path("listings/<int:pk>/clarifications/", views_actions.clarification_publish, name="clarification_publish"),
    path("listings/<int:pk>/questions/", views_actions.question_ask, name="question_ask"),
    path("listings/<int:pk>/publish/", views_actions.listing_publish, name="listing_publish"),
    path("listings/<int:pk>/return/", views_actions.listing_return, name="listing_return"),
    path("listings/<int:pk>/suspend/", views_actions.listing_suspend, name="listing_suspend"),
    path("listings/<int:pk>/resume/", views_actions.listing_resume, name="listing_resume"),
    path("listings/<int:pk>/fail/", views_actions.listing_fail, name="listing_fail"),
    path("listings/<int:pk>/cancel/", views_actions.listing_cancel, name="listing_cancel"),
    path("listings/<int:pk>/advance/", views_actions.listing_advance, name="listing_advance"),
    path("listings/<int:pk>/archive/", views_actions.listing_archive, name="listing_archive"),
    path("listings/<int:pk>/award/", views_actions.listing_award, name="listing_award"),
    path("listings/<int:pk>/contract-signed/", views_actions.contract_signed, name="contract_signed"),
    path("documents/<int:pk>/", views_detail.document_download, name="document_download"),
    path("questions/<int:pk>/answer/", views_actions.question_answer, name="question_answer"),
    path("lots/<int:pk>/sign-up/", views_actions.registration_create, name="registration_create"),
    path("lots/<int:pk>/objections/", views_actions.objection_raise, name="objection_raise"),
    path("lots/<int:pk>/candidates/", views_results.candidates_record, name="candidates_record"),
    path("registrations/<int:pk>/withdraw/", views_actions.registration_withdraw, name="registration_withdraw"),
    path("registrations/<int:pk>/deposit/", views_actions.deposit_declare, name="deposit_declare"),
    path("deposits/<int:pk>/confirm/", views_actions.deposit_confirm, name="deposit_confirm"),
    path("deposits/<int:pk>/refunded/", views_actions.deposit_refunded, name="deposit_refunded"),
    path("objections/<int:pk>/reply/", views_actions.objection_reply, name="objection_reply"),
    path("to-publish/", views_listings.to_publish, name="to_publish"),
    path("due/", views_admin.due_dashboard, name="due"),
    path("calendar/", views_admin.calendar_page, name="calendar"),
    path("rules/", views_admin.rule_settings_page, name="rule_settings"),
]
