from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopfloor.languages import language_field


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Compared case-insensitively: "Ana@Plant.example" signs in as "ana@plant.example".
        return self.get(email__iexact=(username or "").strip())

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).strip().lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to Shopfloor with an email address and a password."""

    email = models.EmailField(
        _("email address"),
        unique=True,
        help_text=_("Used to sign in. Compared without regard to letter case."),
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can sign in to the admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting accounts: history keeps its author."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = language_field(
        _(
            "The language of this person's pages. Blank: the language of the station device "
            "they use, else their browser's."
        )
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).strip().lower()

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Session(AbstractBaseSession):
    """A browser's session, as Django keeps it, with the account signed in to it in a column of
    its own: every request reads its session and the person behind it (with their permissions)
    in one statement (``shopfloor.accounts.sessions``)."""

    # No database constraint: a session may name an account deleted since (Django then treats
    # it as signed out); deleting an account deletes its sessions all the same.
    account = models.ForeignKey(
        User,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
        help_text=_("The account signed in to this session; blank when nobody is."),
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"
