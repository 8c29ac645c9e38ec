"""French first, English second. The language comes from ?lang=, then a cookie, then French.

Catalogues are plain dictionaries: every visible string of the pages has a key here, so a
missing translation is a KeyError in tests rather than a silent mix of languages.
"""

from __future__ import annotations

from flask import Flask, g, request

LANGUAGES = ("fr", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "fr": {
        "site.name": "Vote du budget participatif",
        "nav.skip": "Aller au contenu",
        "nav.home": "Accueil",
        "nav.staff": "Espace agents",
        "nav.logout": "Se déconnecter",
        "nav.language": "English",
        "home.title": "Votes du budget participatif",
        "home.intro": "Choisissez une consultation pour voir ses projets et son état.",
        "home.none": "Aucune consultation n’est publiée pour le moment.",
        "home.window": "Vote du {start} au {end}",
        "status.draft": "En préparation",
        "status.frozen": "Prête, le vote n’a pas commencé",
        "status.open": "Vote en cours",
        "status.closed": "Vote terminé, dépouillement à venir",
        "status.tallied": "Dépouillée",
        "status.certified": "Résultats certifiés",
        "login.title": "Connexion des agents",
        "login.username": "Identifiant",
        "login.password": "Mot de passe",
        "login.submit": "Se connecter",
        "login.failed": "Identifiant ou mot de passe incorrect.",
        "login.required": "Connectez-vous pour accéder à cette page.",
        "totp.title": "Code de vérification",
        "totp.intro": "Saisissez le code à 6 chiffres affiché par votre application "
                      "d’authentification.",
        "totp.code": "Code à 6 chiffres",
        "totp.recovery_help": "Téléphone perdu ? Saisissez l’un de vos codes de secours "
                              "(XXXX-XXXX-XXXX-XXXX) ; chacun ne sert qu’une fois.",
        "totp.submit": "Valider",
        "totp.failed": "Code incorrect ou déjà utilisé. Attendez le code suivant et "
                       "réessayez.",
        "enrol.title": "Activer la double authentification",
        "enrol.intro": "Votre compte doit être protégé par un deuxième facteur : un code "
                       "qui change toutes les 30 secondes sur votre téléphone.",
        "enrol.step_app": "Installez une application d’authentification (par exemple "
                          "FreeOTP, Aegis ou celle de votre téléphone).",
        "enrol.step_scan": "Scannez ce QR code avec l’application, ou saisissez la clé "
                           "ci-dessous.",
        "enrol.qr_label": "QR code à scanner avec l’application d’authentification",
        "enrol.secret": "Clé pour le compte {username} :",
        "enrol.step_code": "Saisissez le code à 6 chiffres que l’application affiche.",
        "enrol.submit": "Activer",
        "recovery.title": "Vos codes de secours",
        "recovery.done": "La double authentification est activée. Vous êtes connecté.",
        "recovery.intro": "Notez ces codes et gardez-les en lieu sûr, hors de votre "
                          "téléphone : si vous le perdez, chacun permet une connexion, une "
                          "seule fois. Ils ne seront plus jamais affichés.",
        "recovery.continue": "Continuer",
        "admin.title": "Tableau de bord",
        "admin.hello": "Connecté en tant que {name} ({role}).",
        "admin.elections": "Consultations",
        "admin.col.id": "Identifiant",
        "admin.col.title": "Titre",
        "admin.col.status": "État",
        "admin.col.fingerprint": "Empreinte",
        "error.400": "La demande n’est pas valide.",
        "error.401": "Vous devez vous connecter.",
        "error.403": "Vous n’avez pas le droit d’accéder à cette page.",
        "error.404": "Cette page n’existe pas.",
        "error.405": "Cette action n’est pas possible sur cette page.",
        "error.409": "Cette action n’est pas possible dans l’état actuel.",
        "error.413": "Le contenu envoyé est trop volumineux.",
        "error.422": "Les informations envoyées ne sont pas valides.",
        "error.429": "Trop de tentatives. Patientez quelques minutes puis réessayez.",
        "error.500": "Une erreur est survenue de notre côté. Réessayez plus tard.",
        "error.csrf": "Le formulaire a expiré. Rechargez la page et recommencez.",
        "error.back": "Revenir à l’accueil",
    },
    "en": {
        "site.name": "Participatory budget vote",
        "nav.skip": "Skip to content",
        "nav.home": "Home",
        "nav.staff": "Staff area",
        "nav.logout": "Log out",
        "nav.language": "Français",
        "home.title": "Participatory budget votes",
        "home.intro": "Choose a vote to see its projects and its state.",
        "home.none": "No vote is published yet.",
        "home.window": "Voting from {start} to {end}",
        "status.draft": "Being prepared",
        "status.frozen": "Ready, voting has not started",
        "status.open": "Voting open",
        "status.closed": "Voting closed, count to come",
        "status.tallied": "Counted",
        "status.certified": "Results certified",
        "login.title": "Staff login",
        "login.username": "Username",
        "login.password": "Password",
        "login.submit": "Log in",
        "login.failed": "Wrong username or password.",
        "login.required": "Log in to reach this page.",
        "totp.title": "Verification code",
        "totp.intro": "Type the 6-digit code shown by your authenticator app.",
        "totp.code": "6-digit code",
        "totp.recovery_help": "Lost your phone? Type one of your recovery codes "
                              "(XXXX-XXXX-XXXX-XXXX); each works once.",
        "totp.submit": "Confirm",
        "totp.failed": "Wrong or already used code. Wait for the next code and try again.",
        "enrol.title": "Turn on two-factor authentication",
        "enrol.intro": "Your account needs a second factor: a code that changes every 30 "
                       "seconds on your phone.",
        "enrol.step_app": "Install an authenticator app (for example FreeOTP, Aegis or your "
                          "phone's own).",
        "enrol.step_scan": "Scan this QR code with the app, or type the key below.",
        "enrol.qr_label": "QR code to scan with the authenticator app",
        "enrol.secret": "Key for the account {username}:",
        "enrol.step_code": "Type the 6-digit code the app shows.",
        "enrol.submit": "Turn on",
        "recovery.title": "Your recovery codes",
        "recovery.done": "Two-factor authentication is on. You are logged in.",
        "recovery.intro": "Write these codes down and keep them safe, away from your phone: "
                          "if you lose it, each one lets you log in once. They will never be "
                          "shown again.",
        "recovery.continue": "Continue",
        "admin.title": "Dashboard",
        "admin.hello": "Logged in as {name} ({role}).",
        "admin.elections": "Votes",
        "admin.col.id": "Identifier",
        "admin.col.title": "Title",
        "admin.col.status": "State",
        "admin.col.fingerprint": "Fingerprint",
        "error.400": "The request is not valid.",
        "error.401": "You need to log in.",
        "error.403": "You may not access this page.",
        "error.404": "This page does not exist.",
        "error.405": "This action is not possible on this page.",
        "error.409": "This action is not possible in the current state.",
        "error.413": "What you sent is too large.",
        "error.422": "The information sent is not valid.",
        "error.429": "Too many attempts. Wait a few minutes and try again.",
        "error.500": "Something went wrong on our side. Try again later.",
        "error.csrf": "The form has expired. Reload the page and try again.",
        "error.back": "Back to the home page",
    },
}


def current_language() -> str:
    return g.get("lang", "fr")


def t(key: str, **values) -> str:
    text = CATALOGUE[current_language()][key]
    return text.format(**values) if values else text


def register(app: Flask) -> None:
    @app.before_request
    def _choose_language():
        asked = request.args.get("lang") or request.cookies.get("lang")
        g.lang = asked if asked in LANGUAGES else "fr"

    @app.after_request
    def _remember_language(response):
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie("lang", asked, max_age=365 * 86400, samesite="Lax")
        return response

    @app.context_processor
    def _inject():
        other = "en" if current_language() == "fr" else "fr"
        return {"t": t, "lang": current_language(), "other_lang": other}
