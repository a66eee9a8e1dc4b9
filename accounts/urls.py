from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import twofactor
from accounts.forms import LoginForm
from accounts.logout import LogoutView

app_name = "accounts"

urlpatterns = [
    path(
        "masuk/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("keluar/", LogoutView.as_view(), name="logout"),
    path(
        "kata-sandi/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url="/"
        ),
        name="password_change",
    ),
    path("2fa/", twofactor.two_factor_verify, name="two_factor"),
    path("2fa/daftar/", twofactor.two_factor_setup, name="two_factor_setup"),
    path("2fa/qr.svg", twofactor.two_factor_qr, name="two_factor_qr"),
    path("2fa/kode-pemulihan/", twofactor.two_factor_codes, name="two_factor_codes"),
    path(
        "2fa/kode-pemulihan/baru/", twofactor.two_factor_codes_renew, name="two_factor_codes_renew"
    ),
]
