from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views, views_inbox, views_keys

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("password-reset/", auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset_form.html",
        email_template_name="accounts/password_reset_email.txt",
        success_url=reverse_lazy("accounts:password_reset_done")), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete")), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    path("staff/registrations/", views.verification_queue, name="verification_queue"),
    path("staff/registrations/<int:pk>/decide/", views.registration_decide, name="registration_decide"),
    path("staff/accounts/", views.account_list, name="account_list"),
    path("keys/", views_keys.key_page, name="keys"),
    path("keys/mine.json", views_keys.my_keys, name="my_keys"),
    path("inbox/", views_inbox.inbox_page, name="inbox"),
    path("staff/accounts/<int:pk>/active/", views.account_set_active, name="account_set_active"),
]
