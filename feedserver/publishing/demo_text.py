"""What the demo board shows: the seed's real releases and the vocabulary for synthetic ones.

Synthetic sentences mark where a particle follows a word, "{topic:을/를}", and fill() picks the
form the word's last sound asks for (받침): 청년 기본소득을, 성과 발표를, 현장 점검으로, 예산 확보로.
"""
import string

GOVERNOR_AUTHOR = "경기지기"

# The nine releases the seed list shows: (번호, title, KST date, views).
SEED_LIST = [
    (811, "김동연, 전해철 위원장과 제2기 도정자문위원회 출범. 첫 회의 열어", "2024-09-26 10:12", 14462),
    (810, "김동연, “추석 때 아프지 말자 덕담하는 현실 참담. 정부가 결자해지해야”", "2024-09-15 15:40", 15332),
    (809, "경기도, 남양주·양주시에 ‘혁신형 공공의료원’ 설립…동북부 의료격차 해소 기대", "2024-09-13 14:20", 19507),
    (808, "김동연 지사, 광역단체장 직무수행 긍정평가 2달 연속 1위. 유일하게 60% 넘어", "2024-09-13 09:05", 17289),
    (807, "경기북부 대개조 프로젝트 선제적 추진 기자회견", "2024-09-11 11:00", 17881),
    (806, "경기도 중재로 시내버스 노·사 타결. ‘총파업 철회’ . 김동연 “도민 위해 양보와 협력으로 좋은 결정해주신 노사 양측에 감사”", "2024-09-04 07:30", 18028),
    (805, "김동연 경기도지사, 의료현장 방문. 응급실 의사 부족으로 어려움 겪는 아주대 병원에 10억 원 긴급 지원", "2024-08-30 16:45", 17842),
    (804, "김동연 지사, “기후위기 대응, 산업 지도와 인류의 문명을 바꿀 전환점이 될 것”", "2024-08-30 10:30", 17342),
    (803, "(대변인 브리핑) 김동연 경기도지사, 이종찬 광복회장 예방. 경기도 독립기념관(도립) 건립 사업 추진 뜻 밝혀", "2024-08-29 13:10", 17011),
]

SEED_RELEASE_TITLE = "(해외방문) 김동연 지사, 엔비디아에 “경기도 AI데이터센터 구축 추진” 협력 제안"
SEED_RELEASE_DATE = "2024-05-07 08:46"
SEED_RELEASE_VIEWS = 9668
SEED_RELEASE_PARAGRAPHS = [
    "국제교류협력 강화와 해외투자 유치를 위해 북미지역을 방문 중인 김동연 경기도지사가 최근 인공지능(AI) 산업 분야에서 가장 두각을 나타내고 있는 미국의 엔비디아(NVIDIA)와 구글 본사를 찾아 경기도와 협력 방안에 대해 의견을 나눴다. 이날 만남에는 인공지능 관련 도내 기업인 NHN CLOUD, ㈜새론솔루션, ㈜에이아이포블록체인, ㈜크래플, 에이블제이 주식회사 등 5개 사가 함께했다.",
    "김동연 지사는 먼저 현지 시각 7일 오후 산타클라라에 위치한 엔비디아 (NVIDIA) 본사를 찾아 샨커 트리베디(Shanker Trivedi) 수석 부사장(Senior Vice President of Enterprise Business)을 만났다. 김 지사는 이날 면담에서 경기도가 추진 중인 AI데이터센터 구축에 엔비디아의 AI반도체와 기술이 필요하다며 지원을 요청했다.",
    "김동연 지사는 “시흥 서울대병원이 AI 메디컬데이터센터를 구상하고 있다. 넓은 부지를 갖고 있고 바이오기업들이 입주할 예정”이라며 “경기북부지역에도 AI데이터센터를 추진할 계획으로 문화나 기후 같은 특정 분야에 특화된 데이터센터를 만들고 싶다”고 협조를 요청했다.",
    "그러면서 “엔비디아와 경기도의 협력을 더욱더 강화하고 구체적인 협력 분야를 찾을 수 있도록 실무그룹을 구성해서 연락을 유지했으면 한다”고 제안했다.",
    "샨커 트리베디 수석 부사장은 이에 대해 “말씀하신 두 개의 데이터센터 모두 엔비디아가 필요한 솔루션을 제공해 드릴 수 있다. 실무 그룹에 참여해 더 자세한 논의를 하겠다”고 답했다.",
    "경기도는 모든 산업에 인공지능(AI)이 도입될 것으로 보고 이를 뒷받침하기 위한 데이터센터를 민간투자를 유치해 구축하는 방안을 검토 중이다.",
    "엔비디아에 이어 김 지사는 구글 본사를 찾아 엠케이 팔모어(MK Palmore) 구글 클라우드 정보보호 디렉터, 윤진성 선임 연구원, 김선식 구글클라우드 부문장 등과 경기도 AI 스타트업과 인재 육성 협력 방안 등을 주제로 대화를 나눴다.",
    "이수재 경기도 AI빅데이터산업과장은 “경기도가 구글을 만난 이유는 구글과 협력해 경기도 스타트업에 인재육성과 새로운 기회를 제공하기 위해서다”라며 “경기도 스타트업이 구글과 함께 세계로 진출할 수 있는 방안을 검토해 달라”고 요청했다.",
    "NHN CLOUD, 서울대학교 및 여러 스타트업 대표들은 엔비디아, 구글과의 면담에서 자신들의 사업 계획을 제시하고 협력 의사를 표명했다. 이들은 경기도와 함께 이 자리에 참석하며 새로운 기회를 마련하게 된 것에 대한 기대감을 드러냈다.",
    "한편, 김동연 지사는 앞서 이날 오전 미국 동부에 위치한 세계적 기술기업과 화상 미팅을 갖고 경기도 투자를 독려했다.",
]

SAMPLE_NOTICE = "※ 이 보도자료는 시연용 예시 데이터입니다. 실제 경기도 발표 내용이 아닙니다."

SUBJECTS = ["경기도", "김동연 지사", "김동연 경기도지사", "경기도의회와 경기도", "경기도 대변인", "경기도와 31개 시군"]
TOPICS = [
    "청년 기본소득", "청년 일자리 박람회", "경기북부 대개조", "기후위기 대응 RE100", "반도체 클러스터",
    "AI 데이터센터", "공공의료 확충", "시내버스 준공영제", "저출생 대응 정책", "소상공인 금융 지원",
    "스타트업 해외 진출", "문화예술 지원사업", "도민 안전 대책", "경기도는 청년 주거 지원", "기회소득",
    "전통시장 활성화", "수소버스 보급", "평화경제특구", "농어민 기본소득", "장애인 이동권 보장",
]
ACTIONS = [
    "본격 추진", "지원 확대", "업무협약 체결", "현장 점검", "간담회 개최", "성과 발표", "공모 선정",
    "예산 확보", "계획 발표", "민관 협력 강화", "설명회 개최", "1차 결과 공개",
]
SENTENCES = [
    "{subject:은/는} {topic:을/를} 위해 관계 기관과 협력 체계를 마련하고 세부 계획을 확정했다고 밝혔다.",
    "이번 {action:은/는} 도민 삶의 질을 높이고 지역 간 격차를 줄이기 위한 것이다.",
    "경기도는 올해 {topic} 관련 예산을 확대하고 시군과 함께 현장 의견을 반영할 계획이다.",
    "김동연 지사는 “{topic:은/는} 경기도가 반드시 해내야 할 과제”라며 “도민과 함께 성과를 만들겠다”고 말했다.",
    "{topic:이/가} 본격화되면서 {subject:은/는} {action:을/를} 서두르고 있다.",
    "도는 {topic:과/와} 연계한 후속 사업도 {action:으로/로} 이어 갈 방침이다.",
    "도는 앞으로 {topic} 추진 상황을 분기별로 점검하고 결과를 도민에게 공개할 예정이다.",
    "자세한 내용은 경기도청 누리집과 담당 부서를 통해 확인할 수 있다.",
    "청년과 소상공인, 취약계층이 실질적인 도움을 받을 수 있도록 지원 방식을 개선한다.",
]

EXTRA_CATEGORIES = [
    ("press", "보도자료", "경기도 실·국이 배포하는 보도자료입니다.", 2, 120, ["대변인실", "홍보기획관", "경기지기"]),
    ("notice", "공지사항", "경기도 누리집 운영 공지입니다.", 3, 24, ["경기도청"]),
]

# The text of the demo's attached files (publishing/demo_files.py). "달빛정원음악회" appears in
# no release body, so a 내용 search for it finds releases through their attachments alone.
ATTACHMENT_WORD = "달빛정원음악회"
ATTACHMENT_PARAGRAPHS = [
    "붙임 1. 세부 추진 계획",
    "경기도는 도민이 가까운 곳에서 문화를 누리도록 권역별 프로그램을 확대한다.",
    f"특히 가을에는 도립공원에서 {ATTACHMENT_WORD}를 열어 가족 단위 관람객을 맞이한다.",
    "문의: 경기도 대변인실 (031-8008-0000)",
]

# How the digits and Latin letters that end a word are read aloud: do they end in a 받침, and is it ㄹ?
_SPOKEN_FINAL = {"0": "ㅇ", "1": "ㄹ", "3": "ㅁ", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ",
                 "l": "ㄹ", "r": "ㄹ", "m": "ㅁ", "n": "ㄴ"}
_FINALS = [None, "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
           "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ"]


def final_sound(word):
    """Return the 받침 the word ends with when read aloud (None: it ends in a vowel)."""
    for char in reversed(word):
        if "가" <= char <= "힣":
            return _FINALS[(ord(char) - 0xAC00) % 28]
        if char.isalnum():
            return _SPOKEN_FINAL.get(char.lower())
    return None


def particle(word, forms):
    """Return the form of a particle pair ("은/는", "으로/로") that follows word."""
    after_consonant, after_vowel = forms.split("/")
    final = final_sound(word)
    if after_consonant == "으로":  # ㄹ takes 로 like a vowel: 예산 확보로, 서울로, 현장 점검으로
        return after_vowel if final in (None, "ㄹ") else after_consonant
    return after_vowel if final is None else after_consonant


class _ParticleFormatter(string.Formatter):
    """Read "{name:은/는}" as the value followed by the particle form its last sound takes."""

    def format_field(self, value, format_spec):
        text = str(value)
        return text + particle(text, format_spec) if "/" in format_spec else super().format_field(value, format_spec)


def fill(template, **words):
    """Fill a sentence template, choosing every marked particle by the word before it."""
    return _ParticleFormatter().format(template, **words)
