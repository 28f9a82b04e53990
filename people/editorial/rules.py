"""The rules: officials' titles, names and order against the register, and the lexicon.

Everything works on the normalised text; offsets go back to the original at the end.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin

from .findings import Finding, Severity
from .normalise import Normalised, is_han
from .register import Office, Register

# Common surnames, so that `县委书记办公会` is not read as a title before a name.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
    "尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤车喻柏牟冉向鲁颜庞樊"
    "兰殷施洪文左单符涂辛葛傅祝"
)
# What may follow a name: punctuation, the end, or a word that starts a predicate.
_AFTER_NAME = re.compile(
    r"$|[\s,、。;:!?()“”‘’《》\[\]]|主持|出席|参加|讲话|到|赴|率|带队|调研|在|强调|指出|"
    r"表示|一行|等|陪同|会见|看望|慰问|检查|察看|听取|深入|前往|走访|作|对|代表|就|说|"
    r"介绍|召开|考察|致辞|宣布|发表|接受|督导|和|及|与|同|向|为|也|还|分别|一同|先后|"
    r"来|参观|视察|指导|部署|要求|希望|首先|随后|通报|传达|宣读|提出|实地|是|的"
)
_PART_OF_A_LONGER_TITLE = {"副", "务"}
_LIST_JOINERS = {",", "、", "和", "及", "与"}
_LIST_END = re.compile(r"(?:等(?:同志|领导)?)?(?:参加|出席|陪同|列席|参会|一同|分别)")
_UNIT_DOUBLED = re.compile(
    r"(?<![全各本该])([\u4e00-\u9fff]{2,3})县县(委|政府|人大|政协|纪委|监委|长)"
)


@dataclass
class Token:
    start: int
    end: int
    text: str
    offices: list[tuple[Office, bool]]  # empty: a 党组 post the register lacks

    @property
    def is_generic(self) -> bool:
        return bool(self.offices) and all(o.is_generic for o, _ in self.offices)

    @property
    def is_acting_form(self) -> bool:
        return any(acting for _, acting in self.offices)


@dataclass
class Name:
    start: int
    end: int
    text: str
    person_ids: list[int]


@dataclass
class Mention:
    """A run of titles (`县委副书记、县长`) and the names it stands before."""

    start: int
    tokens: list[Token]
    names: list[Name] = field(default_factory=list)
    is_former: bool = False
    is_time_reference: bool = False
    in_book_title: bool = False

    @property
    def title_end(self) -> int:
        return self.tokens[-1].end


@lru_cache(maxsize=4096)
def _pinyin(name: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(name))


def is_near(name: str, registered: str) -> bool:
    """Same toneless pinyin, or one character off (changed, added or dropped)."""
    if name == registered:
        return False
    if _pinyin(name) == _pinyin(registered):
        return True
    if len(name) == len(registered):
        return sum(a != b for a, b in zip(name, registered, strict=True)) == 1
    short, long = sorted((name, registered), key=len)
    if len(long) - len(short) != 1 or len(short) < 2:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _book_title_spans(text: str) -> list[tuple[int, int]]:
    spans, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "《":
            if depth == 0:
                start = index
            depth += 1
        elif char == "》" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, index + 1))
    return spans


class Checker:
    def __init__(
        self,
        *,
        source: Normalised,
        as_of: datetime.date,
        register: Register,
        host_body: str | None,
    ):
        self.source = source
        self.text = source.text
        self.day = as_of
        self.register = register
        self.host_body = host_body
        self.findings: list[Finding] = []

    # --- findings ---

    def add(self, code, severity, message, start, end, suggestion="", evidence=""):
        begin, finish = self.source.span(start, end)
        self.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=message,
                start=begin,
                end=finish,
                excerpt=self.text[start:end],
                suggestion=suggestion,
                evidence=evidence,
            )
        )

    def run(self) -> list[Finding]:
        mentions = self.read_mentions()
        for mention in mentions:
            self.check_mention(mention)
        self.check_order(mentions)
        self.check_doubled_units()
        self.check_expressions()
        self.findings.sort(key=lambda f: (f.start, f.end, f.code))
        return self.findings

    # --- reading ---

    def read_mentions(self) -> list[Mention]:
        text, register = self.text, self.register
        books = _book_title_spans(text)
        tokens = {}
        for match in register.title_pattern.finditer(text):
            if match.start() and text[match.start() - 1] in _PART_OF_A_LONGER_TITLE:
                continue  # `副县长` when the register knows only `县长`
            form = match.group(0)
            tokens[match.start()] = Token(
                match.start(), match.end(), form, register.forms.get(form, [])
            )
        mentions: list[Mention] = []
        consumed = -1
        for start in sorted(tokens):
            if start < consumed:
                continue
            run = [tokens[start]]
            position = run[-1].end
            while position < len(text) and text[position] == "、":
                following = tokens.get(position + 1) or self.shared_unit(
                    run[-1], position + 1
                )
                if following is None:
                    break
                run.append(following)
                position = following.end
            mention = Mention(start=start, tokens=run)
            mention.is_former = text[max(0, start - 1) : start] == "原"
            mention.is_time_reference = text[max(0, start - 2) : start] == "时任"
            mention.in_book_title = any(a < start < b for a, b in books)
            self.read_names(mention)
            consumed = mention.names[-1].end if mention.names else position
            if mention.names:
                mentions.append(mention)
        # Names written without a title still count in lists of people.
        named = {n.start for m in mentions for n in m.names}
        for match in register.name_pattern.finditer(text):
            if match.start() in named or any(
                m.start <= match.start() < m.names[-1].end for m in mentions
            ):
                continue
            if self.name_ends_well(match.end()):
                name = Name(
                    match.start(),
                    match.end(),
                    match.group(0),
                    register.people_by_name[match.group(0)],
                )
                mentions.append(Mention(start=match.start(), tokens=[], names=[name]))
        mentions.sort(key=lambda m: m.start)
        return mentions

    def shared_unit(self, previous: Token, position: int) -> Token | None:
        """`县政协党组书记、主席`: a title written without the unit of the one before."""
        units = {office.organization for office, _ in previous.offices}
        if not previous.offices and "党组" in previous.text:
            units.add(previous.text.split("党组")[0])
        for unit in units:
            for suffix, form in self.register.unit_suffixes.get(unit, []):
                if self.text.startswith(suffix, position):
                    return Token(
                        position,
                        position + len(suffix),
                        form,
                        self.register.forms.get(form, []),
                    )
        return None

    def name_ends_well(self, position: int) -> bool:
        return bool(_AFTER_NAME.match(self.text, position))

    def name_at(self, position: int) -> Name | None:
        text = self.text
        match = self.register.name_pattern.match(text, position)
        if match:
            return Name(
                position,
                match.end(),
                match.group(0),
                self.register.people_by_name[match.group(0)],
            )
        if position >= len(text) or text[position] not in SURNAMES:
            return None
        for length in (2, 3):
            end = position + length
            candidate = text[position:end]
            if len(candidate) == length and all(map(is_han, candidate)):
                if self.name_ends_well(end) and not self.register.title_pattern.match(
                    text, position + 1
                ):
                    return Name(position, end, candidate, [])
        return None

    def read_names(self, mention: Mention) -> None:
        position = mention.title_end
        name = self.name_at(position)
        while name is not None:
            mention.names.append(name)
            position = name.end
            if self.text[position : position + 1] != "、":
                break
            if self.register.title_pattern.match(self.text, position + 1):
                break
            name = self.name_at(position + 1)

    # --- titles and names ---

    def person_for(self, mention: Mention, name: Name) -> int | None:
        if not name.person_ids:
            return None

        def held(person_id):
            wanted = {o.position_id for t in mention.tokens for o, _ in t.offices}
            return sum(
                t.office.position_id in wanted
                for t in self.register.terms_on(person_id, self.day)
            )

        return max(name.person_ids, key=held)

    def mention_text(self, mention: Mention, name: Name, tokens=None) -> str:
        titles = "、".join(t.text for t in (tokens or mention.tokens))
        return titles + name.text

    def check_mention(self, mention: Mention) -> None:
        if not mention.tokens or mention.in_book_title:
            return
        if all(t.is_generic for t in mention.tokens):
            return
        first, last = mention.start, mention.names[-1].end
        if mention.is_time_reference:
            self.add(
                "TIME_REF_UNCHECKED",
                Severity.INFO,
                "“时任”后的职务是当时的职务,校对无法确定“当时”是哪一天,请人工核对。",
                first - 2,
                last,
            )
            return
        self.check_title_order(mention)
        for token in mention.tokens:
            if not token.offices and token.text.startswith(("县", "党组")):
                self.add(
                    "PARTY_POST_UNKNOWN",
                    Severity.ERROR,
                    f"名录中没有“{token.text}”这一职务,请核实后写入名录,或改为名录中的职务。",
                    token.start,
                    token.end,
                )
        for name in mention.names:
            person_id = self.person_for(mention, name)
            if person_id is None:
                self.check_unknown_name(mention, name)
            else:
                self.check_titles(mention, name, person_id)

    def check_title_order(self, mention: Mention) -> None:
        known = [t for t in mention.tokens if t.offices and not t.is_generic]
        if len(known) < 2:
            return

        def key(token):
            office = token.offices[0][0]
            return (0 if office.is_party else 1, office.organization_rank, office.rank)

        seen_government = False
        for token in known:
            office = token.offices[0][0]
            if not office.is_party:
                seen_government = True
            elif seen_government:
                ordered = sorted(known, key=key)
                self.add(
                    "TITLE_ORDER",
                    Severity.WARNING,
                    f"党内职务应写在政府(人大、政协)职务之前:“{token.text}”应排在前面。",
                    mention.start,
                    mention.title_end,
                    suggestion="、".join(t.text for t in ordered),
                )
                return

    def check_unknown_name(self, mention: Mention, name: Name) -> None:
        county = False
        for token in mention.tokens:
            if not token.offices or token.is_generic:
                continue
            county = county or any(o.is_county for o, _ in token.offices)
            holders = [
                term
                for office, _ in token.offices
                for term in self.register.holders_on(office.position_id, self.day)
            ]
            near = [t for t in holders if is_near(name.text, t.name)]
            if near:
                right = near[0]
                self.add(
                    "NAME_NEAR_MISS",
                    Severity.ERROR,
                    f"{self.day.isoformat()} 担任{token.text}的是{right.name},"
                    f"“{name.text}”与之{self.near_reason(name.text, right.name)},"
                    "可能写错了名字。",
                    mention.start,
                    name.end,
                    suggestion=self.mention_text(mention, Name(0, 0, right.name, [])),
                    evidence=f"任职 #{right.appointment_id}:{right.name} {right.dates()}",
                )
                return
        if county:
            self.add(
                "UNREGISTERED",
                Severity.INFO,
                f"名录中没有“{name.text}”,无法核对其职务;如是领导干部,请补入名录。",
                mention.start,
                name.end,
            )

    @staticmethod
    def near_reason(name: str, registered: str) -> str:
        if _pinyin(name) == _pinyin(registered):
            return "读音相同"
        return "只差一个字"

    def check_titles(self, mention: Mention, name: Name, person_id: int) -> None:
        register, day = self.register, self.day
        held = register.terms_on(person_id, day)
        for token in mention.tokens:
            if not token.offices or token.is_generic:
                continue
            position_ids = {o.position_id for o, _ in token.offices}
            terms = [t for t in held if t.office.position_id in position_ids]
            if mention.is_former:
                terms = [t for t in terms if t.is_acting == token.is_acting_form]
                if terms:
                    self.add(
                        "FORMER_BUT_CURRENT",
                        Severity.WARNING,
                        f"{day.isoformat()} {name.text}仍任{terms[0].display_title},"
                        f"不应写“原{token.text}”。",
                        mention.start - 1,
                        name.end,
                        suggestion=register.title_text_on(person_id, day) + name.text,
                        evidence=f"任职 #{terms[0].appointment_id}:{terms[0].dates()}",
                    )
                continue
            if not terms:
                self.title_not_held(mention, name, person_id, token)
                continue
            term = terms[0]
            if term.is_acting and not token.is_acting_form:
                replaced = [
                    Token(t.start, t.end, term.display_title, t.offices)
                    if t is token
                    else t
                    for t in mention.tokens
                ]
                self.add(
                    "TITLE_ACTING",
                    Severity.ERROR,
                    f"{day.isoformat()} {name.text}是{term.display_title}"
                    f"(名录:{term.dates()}),不能写作“{token.text}”。",
                    mention.start,
                    name.end,
                    suggestion=self.mention_text(mention, name, replaced),
                    evidence=f"任职 #{term.appointment_id}:{name.text} {term.dates()}",
                )
            elif not term.is_acting and token.is_acting_form:
                replaced = [
                    Token(t.start, t.end, term.display_title, t.offices)
                    if t is token
                    else t
                    for t in mention.tokens
                ]
                self.add(
                    "TITLE_ACTING",
                    Severity.WARNING,
                    f"{day.isoformat()} {name.text}已是{term.display_title}"
                    f"(名录:{term.dates()}),不必写“{token.text}”。",
                    mention.start,
                    name.end,
                    suggestion=self.mention_text(mention, name, replaced),
                    evidence=f"任职 #{term.appointment_id}:{name.text} {term.dates()}",
                )

    def title_not_held(self, mention, name, person_id, token) -> None:
        register, day = self.register, self.day
        position_ids = {o.position_id for o, _ in token.offices}
        own = [
            t
            for t in register.terms_by_person.get(person_id, [])
            if t.office.position_id in position_ids
        ]
        holders = [
            t
            for position_id in sorted(position_ids)
            for t in register.holders_on(position_id, day)
        ]
        parts = [f"{day.isoformat()} {name.text}不是{token.text}"]
        if own:
            parts.append("名录中此人的这一任职:" + ";".join(t.dates() for t in own))
        else:
            parts.append("名录中此人没有担任过这一职务")
        if holders:
            parts.append(
                "当天担任这一职务的是"
                + "、".join(f"{t.name}({t.dates()})" for t in holders[:3])
                + ("等" if len(holders) > 3 else "")
            )
        current = register.title_text_on(person_id, day)
        self.add(
            "TITLE_NOT_HELD",
            Severity.ERROR,
            ";".join(parts) + "。",
            mention.start,
            name.end,
            suggestion=f"{current}{name.text}" if current else "",
            evidence=";".join(
                f"任职 #{t.appointment_id}:{t.name} {t.dates()}"
                for t in (own + holders)[:6]
            ),
        )

    # --- protocol order ---

    def protocol_key(self, person_id: int):
        register, day = self.register, self.day
        held = [t for t in register.terms_on(person_id, day) if not t.office.is_generic]
        tiers = register.tiers
        position_tier = {title: i for i, (kind, title) in enumerate(tiers) if title}
        others = next(
            (i for i, (kind, _) in enumerate(tiers) if kind == "others"), len(tiers)
        )
        former = next(
            (i for i, (kind, _) in enumerate(tiers) if kind == "former"),
            len(tiers) + 1,
        )
        if not held:
            if register.terms_by_person.get(person_id) and not any(
                t.office.is_generic for t in register.terms_on(person_id, day)
            ):
                return (1, former, 10**6, datetime.date.max)
            return None  # unknown rank: not compared
        best = min(
            held,
            key=lambda t: (
                position_tier.get(t.office.title, others),
                t.office.rank,
                t.started_on,
            ),
        )
        hosted = self.host_body and any(
            self.host_body in (t.office.kind, t.office.organization) for t in held
        )
        return (
            0 if hosted else 1,
            position_tier.get(best.office.title, others),
            best.office.rank,
            best.started_on,
        )

    def check_order(self, mentions: list[Mention]) -> None:
        text = self.text
        groups: list[list[tuple[Mention, Name]]] = []
        current: list[tuple[Mention, Name]] = []
        previous_end = None
        for mention in mentions:
            for index, name in enumerate(mention.names):
                lead = mention.start if index == 0 else name.start
                if mention.is_former and index == 0:
                    lead -= 1
                if (
                    previous_end is not None
                    and text[previous_end:lead] in _LIST_JOINERS
                ):
                    current.append((mention, name))
                else:
                    if current:
                        groups.append(current)
                    current = [(mention, name)]
                previous_end = name.end
        if current:
            groups.append(current)
        for group in groups:
            if len(group) < 2 or not _LIST_END.match(text, group[-1][1].end):
                continue
            keyed = []
            for mention, name in group:
                person_id = self.person_for(mention, name)
                key = self.protocol_key(person_id) if person_id else None
                if key is not None:
                    keyed.append((key, name))
            self.compare_order(group, keyed)

    def compare_order(self, group, keyed) -> None:
        for later_index, (later_key, later) in enumerate(keyed):
            for earlier_key, earlier in keyed[:later_index]:
                if later_key < earlier_key:
                    ordered = [n.text for _, n in sorted(keyed, key=lambda k: k[0])]
                    self.add(
                        "ORDER",
                        Severity.WARNING,
                        f"按{self.day.isoformat()}的礼宾次序,{later.text} 应在 "
                        f"{earlier.text} 之前。",
                        group[0][0].start,
                        group[-1][1].end,
                        suggestion="、".join(ordered),
                    )
                    return

    # --- units and expressions ---

    def check_doubled_units(self) -> None:
        for match in _UNIT_DOUBLED.finditer(self.text):
            self.add(
                "UNIT_DOUBLED",
                Severity.WARNING,
                f"“{match.group(0)}”重复了“县”字。",
                match.start(),
                match.end(),
                suggestion=f"{match.group(1)}县{match.group(2)}",
            )

    def check_expressions(self) -> None:
        text, day = self.text, self.day
        for lexeme in self.register.lexicon:
            if lexeme.kind == "dated":
                if lexeme.valid_from is None or day >= lexeme.valid_from:
                    continue
            elif (lexeme.valid_from and day < lexeme.valid_from) or (
                lexeme.valid_to and day > lexeme.valid_to
            ):
                continue
            for match in lexeme.pattern.finditer(text):
                start, end = match.span()
                if start == end:
                    continue
                if lexeme.not_before and lexeme.not_before.search(
                    text[max(0, start - 20) : start]
                ):
                    continue
                if lexeme.not_after and lexeme.not_after.match(text, end):
                    continue
                evidence = f"规范表述 #{lexeme.rule_id}:{lexeme.source_url}"
                if lexeme.kind == "dated":
                    self.add(
                        "EXPR_ANACHRONISM",
                        Severity.WARNING,
                        f"“{match.group(0)}”自{lexeme.valid_from.isoformat()}起才有,"
                        f"稿件日期是{day.isoformat()}。"
                        + (f"{lexeme.note}" if lexeme.note else ""),
                        start,
                        end,
                        suggestion=lexeme.right_form,
                        evidence=evidence,
                    )
                else:
                    advice = f"应为“{lexeme.right_form}”" if lexeme.right_form else ""
                    self.add(
                        "EXPR",
                        lexeme.severity,
                        f"“{match.group(0)}”不规范{(',' + advice) if advice else ''}。"
                        + (lexeme.note or ""),
                        start,
                        end,
                        suggestion=lexeme.right_form,
                        evidence=evidence,
                    )
