import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from wuxi_news.stale import EditedModel
from wuxi_news.text import clean_text

TITLE_SEPARATOR = "、"


class Organization(EditedModel):
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


class Position(EditedModel):
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


class Person(EditedModel):
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

    def page_url(self, number: int) -> str:
        """Page `number` of the official's reports (page 1 is the official's URL)."""
        if number <= 1:
            return self.get_absolute_url()
        return reverse("people:detail_page", kwargs={"pk": self.pk, "page": number})

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


class Appointment(EditedModel):
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


class ProtocolTier(models.Model):
    """One step of protocol order (礼宾次序) in lists of leaders; editable by editors."""

    class Kind(models.TextChoices):
        POSITION = "position", "职务"
        OTHERS = "others", "其他领导"
        FORMER = "former", "原任领导"

    order = models.PositiveIntegerField(
        "次序", help_text="数字越小越靠前;改动保存后,下一次校对即按新次序检查。"
    )
    kind = models.CharField("类别", max_length=20, choices=Kind, default=Kind.POSITION)
    title = models.CharField(
        "职务名称",
        max_length=100,
        blank=True,
        help_text="与“职务”中的写法一致,如“县人大常委会主任”;“其他领导”“原任领导”留空。",
    )

    class Meta:
        verbose_name = "礼宾次序"
        verbose_name_plural = "礼宾次序"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["title"],
                condition=Q(kind="position"),
                name="protocoltier_title_once",
                violation_error_message="这个职务已经在礼宾次序表里了。",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=~Q(kind="position"),
                name="protocoltier_special_once",
                violation_error_message="“其他领导”和“原任领导”各只能有一行。",
            ),
            models.CheckConstraint(
                condition=Q(kind="position", title__gt="") | ~Q(kind="position"),
                name="protocoltier_position_has_title",
                violation_error_message="职务类的次序请填写职务名称。",
            ),
        ]

    def __str__(self):
        return self.title or self.get_kind_display()

    def save(self, *args, **kwargs):
        self.title = clean_text(self.title).strip()
        super().save(*args, **kwargs)


class ExpressionRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ExpressionRule(models.Model):
    """A fixed expression (规范表述) of the lexicon the editorial check applies."""

    class Kind(models.TextChoices):
        WRONG = "wrong", "错误写法"
        DATED = "dated", "有生效日期的写法"

    class Severity(models.TextChoices):
        ERROR = "E", "错误(阻止发布)"
        WARNING = "W", "警告"
        INFO = "I", "提示"

    kind = models.CharField(
        "类别",
        max_length=10,
        choices=Kind,
        default=Kind.WRONG,
        help_text="“错误写法”:出现即提示改为正确写法;“有生效日期的写法”:"
        "稿件日期早于生效日期时提示(如会议召开之前就写了它的名称)。",
    )
    wrong_form = models.CharField(
        "要查找的写法",
        max_length=200,
        help_text="如“中华人民共合国”。勾选“正则表达式”时按正则表达式查找。",
    )
    right_form = models.CharField(
        "正确写法", max_length=200, blank=True, help_text="提示里建议的写法。"
    )
    severity = models.CharField(
        "级别", max_length=1, choices=Severity, default=Severity.WARNING
    )
    is_regex = models.BooleanField("正则表达式", default=False)
    valid_from = models.DateField(
        "生效日期",
        null=True,
        blank=True,
        help_text="“错误写法”:从这天起才检查;“有生效日期的写法”:这天之前的稿件出现即提示。",
    )
    valid_to = models.DateField(
        "失效日期", null=True, blank=True, help_text="这天之后的稿件不再检查。"
    )
    not_before = models.CharField(
        "前面不是",
        max_length=200,
        blank=True,
        help_text="紧挨在前面出现这些文字时不提示(正则表达式,如“报名|申报”)。",
    )
    not_after = models.CharField(
        "后面不是",
        max_length=200,
        blank=True,
        help_text="紧挨在后面出现这些文字时不提示(正则表达式,如“日期|时间”)。",
    )
    source_url = models.URLField(
        "依据出处", max_length=500, help_text="权威出处的网址,必填,供审核核对。"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ExpressionRuleQuerySet.as_manager()

    class Meta:
        verbose_name = "规范表述"
        verbose_name_plural = "规范表述"
        ordering = ["wrong_form", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="expressionrule_valid_to_after_from",
                violation_error_message="失效日期不能早于生效日期。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="dated") | Q(valid_from__isnull=False),
                name="expressionrule_dated_has_valid_from",
                violation_error_message="有生效日期的写法请填写生效日期。",
            ),
        ]

    def __str__(self):
        if self.right_form:
            return f"{self.wrong_form} → {self.right_form}"
        return self.wrong_form

    def clean(self):
        for name in ["wrong_form", "not_before", "not_after"]:
            value = getattr(self, name)
            if value and (self.is_regex or name != "wrong_form"):
                try:
                    re.compile(value)
                except re.error as error:
                    raise ValidationError(
                        {name: f"正则表达式写得不对:{error}。"}
                    ) from error
