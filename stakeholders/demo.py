"""Demo organizations, people and memberships."""

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from capacity.models import Language, Region, translated_columns

from .models import Invitation, Membership, Organization, User
from .services import membership_invite


def _person(username, *, password, defaults, is_staff=False):
    """A demo person; `password` is already hashed (make_password), once for them all."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@example.org",
            "is_staff": is_staff,
            "is_superuser": is_staff,
            "password": password,
            **defaults,
        },
    )
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user, created


def load(data, *, password):
    # Hashed once: the demo's people share its published password, and hashing it for each
    # (PBKDF2, about half a second on a small machine) was 7 s of the demo's first load.
    password = make_password(password)
    regions = {region.slug: region for region in Region.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    created_orgs = 0
    for item in data["organizations"]:
        org, created = Organization.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "kind": item["kind"],
                "region": regions[item["region"]],
                "website": item.get("website", ""),
                **translated_columns("name", item["name"]),
                **translated_columns("description", item.get("description", {})),
            },
        )
        org.languages.set([languages[code] for code in item["languages"]])
        created_orgs += created

    _person("steward", password=password, defaults={"display_name": "Site steward"}, is_staff=True)
    created_people = 0
    for item in data["people"]:
        user, created = _person(
            item["username"],
            password=password,
            defaults={
                "display_name": item["display_name"],
                "home_region": regions[item["region"]],
                "time_zone": item["time_zone"],
                "preferred_language": item["preferred_language"],
            },
        )
        user.languages.set([languages[code] for code in item["languages"]])
        for membership in item.get("memberships", []):
            Membership.objects.update_or_create(
                user=user,
                organization=Organization.objects.get(slug=membership["organization"]),
                defaults={"role": membership["role"]},
            )
        created_people += created
    # Pending invitations go through the service, as an admin's would; once answered
    # or already sent, running the demo again leaves them be.
    for item in data["people"]:
        for invitation in item.get("invitations", []):
            organization = Organization.objects.get(slug=invitation["organization"])
            person = User.objects.get(username=item["username"])
            if Invitation.objects.filter(organization=organization, user=person).exists():
                continue
            membership_invite(
                organization=organization,
                person=person,
                role=invitation["role"],
                by=User.objects.get(username=invitation["by"]),
            )
    exchange_profiles = seed_exchange()
    support = load_support_requests()
    return (
        f"{len(data['organizations'])} organizations ({created_orgs} new), {len(data['people']) + 1} people "
        f"({created_people} new), {exchange_profiles} new exchange profiles, {support}"
    )


# Support requests: one in every state, in several languages, one sensitive. Written
# straight to the tables, as if they had happened days ago: the demo emails nobody.
SUPPORT_DEMO = [
    {
        "author": "yazan_haddad",
        "language": "ar",
        "region": "middle-east-north-africa",
        "title": "نحتاج إلى مدربين لورشة ويكي بيانات في عمّان",
        "what_happened": "سجّل أربعون متطوعاً في ورشتنا الأولى عن ويكي بيانات، لكن المدرب الوحيد لدينا اعتذر.\nالورشة بعد ثلاثة أسابيع.",
        "what_is_needed": "مدرب أو مدربة يتحدثون العربية، أو مواد تدريبية جاهزة يمكننا ترجمتها.",
        "categories": ["wikidata", "training-design"],
        "urgency": "high",
        "steps": [("triaged", "steward", "التصنيفات صحيحة"), ("matched", "yazan_haddad", "")],
        "offers": [
            (
                "minseo_kang",
                "resources",
                "ko",
                "저희 연구소의 위키데이터 입문 교재를 공유할게요. 아랍어 번역도 함께 도와드릴 수 있어요.",
                True,
            ),
            ("nourhan_elsayed", "person", "ar", "يسعدني أن أقدّم الجلسة الأولى عن بعد.", False),
        ],
    },
    {
        "author": "larissa_tavares",
        "organization": "wikimedistas-paulistas",
        "language": "pt-br",
        "region": "latin-america-caribbean",
        "title": "Perdemos o local da nossa editatona",
        "what_happened": "A biblioteca que nos receberia fechou para reforma, a dez dias do evento.",
        "what_is_needed": "Contatos de instituições GLAM em São Paulo e conselhos sobre como avisar os participantes.",
        "categories": ["event-organizing", "glam-partnerships"],
        "urgency": "critical",
        "steps": [],
        "offers": [],
    },
    {
        "author": "tobi_adeyemi",
        "organization": "wikimedians-of-lagos",
        "language": "en",
        "region": "sub-saharan-africa",
        "title": "First rapid grant application: budget review",
        "what_happened": "We are applying for our first rapid grant and are unsure how to budget for connectivity.",
        "what_is_needed": "Someone who has written a successful grant to read our budget before the deadline.",
        "categories": ["grant-writing", "grant-budgeting"],
        "urgency": "medium",
        "steps": [("triaged", "steward", "")],
        "offers": [("gabrielle_tremblay", "advice", "en", "Happy to read it this week; send it over.", False)],
    },
    {
        "author": "diego_arriaga",
        "organization": "wikimedistas-valle-de-mexico",
        "language": "es",
        "region": "latin-america-caribbean",
        "title": "Retener a las personas voluntarias después del primer evento",
        "what_happened": "Muchas personas vienen a un evento y no vuelven a editar.",
        "what_is_needed": "Experiencias de otras comunidades con el acompañamiento de personas nuevas.",
        "categories": ["volunteer-recruitment-retention", "newcomer-onboarding"],
        "urgency": "low",
        "steps": [
            ("triaged", "steward", ""),
            ("matched", "diego_arriaga", ""),
            ("resolved", "diego_arriaga", "Probamos las mentorías en parejas: ¡funcionan!"),
        ],
        "offers": [("valeria_quispe", "advice", "es", "En la Red Andina usamos mentorías en parejas.", True)],
    },
    {
        "author": "camille_roussel",
        "language": "fr",
        "region": "northern-western-europe",
        "title": "Aide pour une formation Commons",
        "what_happened": "Notre formatrice est indisponible.",
        "what_is_needed": "Une personne pour animer la séance.",
        "categories": ["wikimedia-commons"],
        "urgency": "medium",
        "steps": [("closed", "camille_roussel", "Doublon : la formation a été reportée.")],
        "offers": [],
    },
    {
        "author": "solomiia_hrytsenko",
        "language": "uk",
        "region": "central-eastern-europe-central-asia",
        "title": "Погрози редакторам після марафону",
        "what_happened": "Після марафону двоє наших редакторів отримують погрози в соцмережах.",
        "what_is_needed": "Порада щодо безпеки та людина, з якою можна поговорити конфіденційно.",
        "categories": ["conflict-resolution-safe-spaces"],
        "urgency": "critical",
        "is_sensitive": True,
        "responders": ["jonas_wendler"],
        "steps": [("triaged", "steward", "")],
        "offers": [("jonas_wendler", "person", "en", "I can talk this week, in English or German.", False)],
    },
    {
        "author": "ananya_rathore",
        "organization": "yamuna-wikimedians",
        "language": "hi",
        "region": "south-asia",
        "title": "हिंदी विकिपीडिया के लिए प्रशिक्षकों की तलाश",
        "what_happened": "हमारे कॉलेज कार्यक्रम में सौ से अधिक छात्र शामिल होना चाहते हैं।",
        "what_is_needed": "ऑनलाइन प्रशिक्षण सामग्री और दो प्रशिक्षक।",
        "categories": ["education-partnerships", "online-learning"],
        "urgency": "medium",
        "steps": [],
        "offers": [],
    },
]


def load_support_requests():
    """Seed support requests in every state with their process and offers; those already there are left be."""
    from datetime import timedelta

    from django.utils import timezone

    from capacity.models import CapacityCategory

    from .models import SupportEvent, SupportOffer, SupportRequest, SupportResponder

    people = {user.username: user for user in User.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    created = 0
    for days_ago, item in enumerate(reversed(SUPPORT_DEMO), start=2):
        author = people[item["author"]]
        if SupportRequest.objects.filter(author=author, title=item["title"]).exists():
            continue
        start = timezone.now() - timedelta(days=days_ago * 3)
        request = SupportRequest.objects.create(
            author=author,
            organization=Organization.objects.filter(slug=item.get("organization", "")).first(),
            title=item["title"],
            what_happened=item["what_happened"],
            what_is_needed=item["what_is_needed"],
            language=languages[item["language"]],
            region=Region.objects.get(slug=item["region"]),
            urgency=item["urgency"],
            is_sensitive=item.get("is_sensitive", False),
            status=(item["steps"][-1][0] if item["steps"] else SupportRequest.Status.OPEN),
            status_changed_at=start + timedelta(days=len(item["steps"])),
        )
        request.categories.set(CapacityCategory.objects.filter(slug__in=item["categories"]))
        for username in item.get("responders", []):
            SupportResponder.objects.create(request=request, user=people[username], chosen_by=people["steward"])
        for number, (username, kind, code, message, accepted) in enumerate(item["offers"]):
            offer = SupportOffer.objects.create(
                request=request, author=people[username], kind=kind, message=message, language=languages[code]
            )
            offered_at = start + timedelta(hours=12 * (number + 1))
            SupportOffer.objects.filter(pk=offer.pk).update(
                created_at=offered_at, accepted_at=offered_at + timedelta(hours=6) if accepted else None
            )
        previous = ""
        for number, (status, username, note) in enumerate([("open", item["author"], ""), *item["steps"]]):
            event = SupportEvent.objects.create(
                request=request, actor=people[username], from_status=previous, to_status=status, note=note
            )
            SupportEvent.objects.filter(pk=event.pk).update(created_at=start + timedelta(days=number))
            previous = status
        SupportRequest.objects.filter(pk=request.pk).update(created_at=start)
        created += 1
    return f"{len(SUPPORT_DEMO)} support requests ({created} new)"


# Capacity exchange ------------------------------------------------------------------

# username or organization slug → what they have, share and want, and in which languages.
# Levels: 1 beginner … 4 expert; proficiencies: 1 basic … 5 native.
EXCHANGE_PROFILES = [
    {
        "user": "minseo_kang",
        "region": "east-southeast-asia-pacific",
        "languages": {"ko": 5, "en": 4, "ja": 2},
        "shares": {"wikidata": 4, "lua-templates": 3},
        "has": {"project-management": 2},
        "wants": ["grant-writing", "public-policy"],
        "about": ("ko", "위키데이터 교육을 7년째 하고 있습니다. 지원금 신청서 쓰는 법을 배우고 싶어요."),
    },
    {
        "user": "nourhan_elsayed",
        "region": "middle-east-north-africa",
        "languages": {"ar": 5, "arz": 5, "en": 4, "fr": 2},
        "shares": {"grant-writing": 4, "donor-relations": 3},
        "wants": ["wikidata"],
        "about": ("ar", "أكتب طلبات المنح لمجتمعات ويكيميديا منذ سنوات، ويسعدني أن أساعد من يبدأ."),
    },
    {
        "user": "tobi_adeyemi",
        "region": "sub-saharan-africa",
        "languages": {"en": 5, "yo": 5, "ig": 3},
        "shares": {"event-organizing": 4, "newcomer-onboarding": 3},
        "wants": ["fundraising"],
    },
    {
        "user": "larissa_tavares",
        "region": "latin-america-caribbean",
        "languages": {"pt-br": 5, "es": 3, "en": 3},
        "shares": {"glam-partnerships": 3, "copyright-free-licensing": 3},
        "wants": ["monitoring-evaluation"],
    },
    {
        "user": "camille_roussel",
        "region": "northern-western-europe",
        "languages": {"fr": 5, "en": 4, "es": 2},
        "shares": {"training-design": 4, "train-the-trainer": 3},
        "wants": ["tools-bots"],
        "about": ("fr", "Formatrice de formateurs ; j'aimerais apprendre à écrire des outils."),
    },
    {
        "user": "diego_arriaga",
        "region": "latin-america-caribbean",
        "languages": {"es": 5, "en": 3},
        "shares": {"education-partnerships": 3},
        "wants": ["grant-writing"],
    },
    {
        "user": "ananya_rathore",
        "region": "south-asia",
        "languages": {"hi": 5, "en": 5, "ur": 4, "pa": 3},
        "shares": {"monitoring-evaluation": 4, "strategic-planning": 3},
        "wants": ["conflict-resolution-safe-spaces"],
    },
    {
        "user": "rizky_siregar",
        "region": "east-southeast-asia-pacific",
        "languages": {"id": 5, "ms": 4, "en": 3},
        "shares": {"social-media-outreach": 3},
        "wants": ["wikidata"],
    },
    {
        "user": "solomiia_hrytsenko",
        "region": "central-eastern-europe-central-asia",
        "languages": {"uk": 5, "en": 4, "pl": 3},
        "shares": {"conflict-resolution-safe-spaces": 4, "community-decision-making": 3},
        "wants": ["grant-writing"],
    },
    {
        "user": "jonas_wendler",
        "region": "northern-western-europe",
        "languages": {"de": 5, "en": 4, "fr": 3},
        "shares": {"wikimedia-commons": 4, "glam-partnerships": 3, "public-policy": 2},
        "wants": ["leadership-development"],
    },
    {
        "user": "gabrielle_tremblay",
        "region": "north-america",
        "languages": {"en": 5, "fr": 5},
        "shares": {"fundraising": 4, "grant-writing": 3, "grant-budgeting": 3},
        "wants": ["online-learning"],
    },
    {
        "user": "wanjiru_kamau",
        "region": "sub-saharan-africa",
        "languages": {"sw": 5, "en": 4},
        "shares": {"translation-multilingual": 3},
        "wants": ["event-organizing", "wikidata"],
    },
    {
        "user": "yazan_haddad",
        "region": "middle-east-north-africa",
        "languages": {"ar": 5, "en": 3},
        "shares": {"public-speaking": 2},
        "wants": ["grant-writing", "wikidata"],
    },
    # Hidden from the directory and from suggestions: their choice, at any time.
    {
        "user": "valeria_quispe",
        "region": "latin-america-caribbean",
        "languages": {"es": 5, "qu": 5, "ay": 3},
        "shares": {"content-gaps": 3},
        "wants": ["translation-multilingual"],
        "listed": False,
    },
    {
        "organization": "korean-wikidata-lab",
        "region": "east-southeast-asia-pacific",
        "languages": {"ko": 5, "en": 4},
        "shares": {"wikidata": 4, "tools-bots": 3},
        "wants": ["fundraising"],
        "about": ("en", "A lab of Korean Wikidata editors: we run monthly SPARQL clinics open to all."),
    },
]


def _exchange_rows(item, categories, languages):
    capacities = {}
    for slug, level in item.get("has", {}).items():
        capacities[slug] = {"category": categories[slug], "has": True, "level": level}
    for slug, level in item.get("shares", {}).items():
        capacities[slug] = {"category": categories[slug], "has": True, "shares": True, "level": level}
    for slug in item.get("wants", []):
        capacities.setdefault(slug, {"category": categories[slug]})["wants"] = True
    spoken = [{"language": languages[code], "proficiency": level} for code, level in item["languages"].items()]
    return list(capacities.values()), spoken


def seed_exchange():
    """Exchange profiles for the demo people and one organization, and two messages; a profile already there is left be."""
    from capacity.models import CapacityCategory

    from .models import ContactRequest, ExchangeProfile
    from .services import contact_request_accept, contact_request_send, exchange_profile_save

    categories = {category.slug: category for category in CapacityCategory.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    regions = {region.slug: region for region in Region.objects.all()}
    created = 0
    for item in EXCHANGE_PROFILES:
        if "user" in item:
            owner = {"owner_user": User.objects.get(username=item["user"])}
            exists = ExchangeProfile.objects.filter(user=owner["owner_user"]).exists()
        else:
            owner = {"organization": Organization.objects.get(slug=item["organization"])}
            exists = ExchangeProfile.objects.filter(organization=owner["organization"]).exists()
        if exists:
            continue
        about_language, about = item.get("about", (None, ""))
        capacities, spoken = _exchange_rows(item, categories, languages)
        exchange_profile_save(
            **owner,
            data={
                "is_listed": item.get("listed", True),
                "region": regions[item["region"]],
                "about": about,
                "about_language": languages.get(about_language),
            },
            capacities=capacities,
            languages=spoken,
        )
        created += 1
    people = {
        user.username: user
        for user in User.objects.filter(
            username__in=["yazan_haddad", "nourhan_elsayed", "wanjiru_kamau", "minseo_kang"]
        )
    }
    if not ContactRequest.objects.filter(sender=people["yazan_haddad"], recipient=people["nourhan_elsayed"]).exists():
        contact_request_send(
            sender=people["yazan_haddad"],
            recipient=people["nourhan_elsayed"],
            message="مرحباً نورهان، أحضّر أول طلب منحة لمجموعتنا. هل يمكن أن تساعديني في مراجعته؟",
            category=categories["grant-writing"],
        )
    if not ContactRequest.objects.filter(sender=people["wanjiru_kamau"], recipient=people["minseo_kang"]).exists():
        contact = contact_request_send(
            sender=people["wanjiru_kamau"],
            recipient=people["minseo_kang"],
            message="Hi Minseo, our Swahili community wants to start with Wikidata. Could we talk?",
            category=categories["wikidata"],
        )
        contact_request_accept(contact_request=contact, by=people["minseo_kang"])
    return created
