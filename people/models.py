import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from wuxi_news.text import clean_text

TITLE_SEPARATOR = "、"


class Organization(models.Model):
    class Kind(models.TextChoices):
        PARTY = "party", "党委"
        DISCIPLINE = "discipline", "纪检监察"
        CONGRESS = "congress", "人大"
        GOVERNMENT = "government", "政府"
        CPPCC = "cppcc", "政协"
        DEPARTMENT = "department", "部门"
        TOWNSHIP = "township", "乡镇"
        HIGHER = "higher", "上级机关"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField(
        "类别", max_length=20, choices=Kind, default=Kind.DEPARTMENT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级机构",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    rank = models.PositiveIntegerField(
        "排序",
        default=100,
        help_text="同一人兼任多个职务时,按机构排序书写,数字小者在前(县委在前,政府在后)。",
    )

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["rank", "name"]

    def __str__(self):
        return self.name


class Position(models.Model):
    title = models.CharField(
        "职务", max_length=100, help_text="按稿件中的写法,如“县委书记”“常务副县长”。"
    )
    acting_title = models.CharField(
        "代理时的称谓",
        max_length=100,
        blank=True,
        help_text="如“县监委代理主任”;留空则写作“代理”加职务。",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="所属机构",
        on_delete=models.PROTECT,
        related_name="positions",
    )
    rank = models.PositiveIntegerField(
        "礼宾排序",
        help_text="领导名单的排序依据:数字越小越靠前(如县委书记 10、县长 20)。",
    )

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        ordering = ["rank", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "title"],
                name="position_unique_per_organization",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title = clean_text(self.title)
        self.acting_title = clean_text(self.acting_title)
        super().save(*args, **kwargs)

    def display_title(self, *, is_acting: bool = False) -> str:
        if not is_acting:
            return self.title
        return self.acting_title or f"代理{self.title}"


class PersonQuerySet(models.QuerySet):
    def officials(self):
        """People who hold or held at least one registered position."""
        return self.filter(appointments__isnull=False).distinct()

    def with_appointments(self):
        return self.prefetch_related(
            models.Prefetch(
                "appointments",
                queryset=Appointment.objects.select_related("position__organization"),
            )
        )

    def with_namesake_flag(self):
        """Mark `has_registered_namesake`: another registered official has the name."""
        others = Person.objects.filter(
            name=OuterRef("name"), appointments__isnull=False
        ).exclude(pk=OuterRef("pk"))
        return self.annotate(has_registered_namesake=Exists(others))

    def in_protocol_order(self, day: datetime.date):
        """Order by the highest-ranking position held on `day`, then by name."""
        held = Q(appointments__started_on__lte=day) & (
            Q(appointments__ended_on__isnull=True) | Q(appointments__ended_on__gte=day)
        )
        return self.annotate(
            protocol_rank=Min("appointments__position__rank", filter=held)
        ).order_by(F("protocol_rank").asc(nulls_last=True), "name", "pk")


class Person(models.Model):
    name = models.CharField("姓名", max_length=50)
    note = models.CharField(
        "备注", max_length=200, blank=True, help_text="区分同名者,如“大河乡”。"
    )
    bio = models.TextField("简介", blank=True)
    has_namesakes = models.BooleanField(
        "有同名者",
        default=False,
        help_text="本县还有同名的人(群众或其他干部)时勾选:稿件正文里的这个姓名"
        "就不自动链接到本人页面。登记了两位同名领导时,不勾选也不链接。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name}({self.note})" if self.note else self.name

    def save(self, *args, **kwargs):
        self.name = clean_text(self.name).strip()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("people:detail", kwargs={"pk": self.pk})

    @property
    def is_linked_by_name(self) -> bool:
        """Whether the name in a text surely means this person (see `with_namesake_flag`)."""
        return not (
            self.has_namesakes or getattr(self, "has_registered_namesake", True)
        )

    def appointments_on(self, day: datetime.date) -> list["Appointment"]:
        """Appointments held on `day`, in the order the page writes titles.

        Uses prefetched appointments when present (see `with_appointments`).
        """
        held = [a for a in self.appointments.all() if a.is_held_on(day)]
        return sorted(
            held,
            key=lambda a: (a.position.organization.rank, a.position.rank, a.started_on),
        )

    def titles_on(self, day: datetime.date) -> list[str]:
        return [a.display_title for a in self.appointments_on(day)]

    def title_text_on(self, day: datetime.date) -> str:
        """Titles held on `day` joined as the page writes them: `县委副书记、县长`."""
        return TITLE_SEPARATOR.join(self.titles_on(day))

    def protocol_rank_on(self, day: datetime.date) -> int | None:
        ranks = [a.position.rank for a in self.appointments_on(day)]
        return min(ranks) if ranks else None


def order_by_protocol(people, day: datetime.date) -> list[Person]:
    """Order officials as a list of leaders is written on `day` (`夏朝华、陈钢、林永`)."""
    far = 10**9
    return sorted(people, key=lambda p: (p.protocol_rank_on(day) or far, p.name, p.pk))


class AppointmentQuerySet(models.QuerySet):
    def held_on(self, day: datetime.date):
        return self.filter(started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=day)
        )

    def current(self):
        return self.held_on(timezone.localdate())


class Appointment(models.Model):
    person = models.ForeignKey(
        Person,
        verbose_name="人员",
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    position = models.ForeignKey(
        Position,
        verbose_name="职务",
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    started_on = models.DateField("任职日期")
    ended_on = models.DateField(
        "离任日期", null=True, blank=True, help_text="在任则留空。"
    )
    is_acting = models.BooleanField("代理", default=False, help_text="如“代理主任”。")

    objects = AppointmentQuerySet.as_manager()

    OVERLAP_MESSAGE = (
        "此人在这段时间已担任该职务,任职时间不能重叠。请修改日期或先结束原任职。"
    )

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        ordering = ["person", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="appointment_ends_after_start",
                violation_error_message="离任日期不能早于任职日期。",
            ),
        ]

    def __str__(self):
        end = self.ended_on.isoformat() if self.ended_on else "至今"
        return f"{self.person.name} {self.display_title}({self.started_on.isoformat()}—{end})"

    def clean(self):
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "离任日期不能早于任职日期。"})
        if not (self.person_id and self.position_id and self.started_on):
            return
        overlapping = Appointment.objects.filter(
            person_id=self.person_id, position_id=self.position_id
        ).exclude(pk=self.pk)
        if self.ended_on:
            overlapping = overlapping.filter(started_on__lte=self.ended_on)
        overlapping = overlapping.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=self.started_on)
        )
        if overlapping.exists():
            raise ValidationError(self.OVERLAP_MESSAGE, code="overlap")

    def overlaps(self, other: "Appointment") -> bool:
        """Same person in the same position, with terms sharing at least a day."""
        far = datetime.date.max
        return (
            self.person_id == other.person_id
            and self.position_id == other.position_id
            and self.started_on <= (other.ended_on or far)
            and other.started_on <= (self.ended_on or far)
        )

    @property
    def display_title(self) -> str:
        return self.position.display_title(is_acting=self.is_acting)

    def is_held_on(self, day: datetime.date) -> bool:
        return self.started_on <= day and (
            self.ended_on is None or self.ended_on >= day
        )
