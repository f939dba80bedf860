"""Summary providers: the offline extractive summariser (sentences, language, ranking) and the
chat-completions client against the local fake server over real HTTP (shape, errors, retries)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from genius.config import Settings
from genius.vettify.summaries import extractive
from genius.vettify.summaries.chat import ChatClient, Permanent, Temporary
from genius.vettify.summaries.fake_llm import State, create_app
from genius.vettify.summaries.providers import (
    PROMPTS,
    ChatSummariser,
    ExtractiveSummariser,
    from_settings,
)
from tests.conftest import LiveServer, free_port

MEETING_RO = """Am discutat cu dl. Popescu de la Alfa S.R.L. despre implementarea e-Factura.
Clientul vrea integrarea cu SPV până în martie. Bugetul estimat este de 20.000 lei, aprobat de directorul
financiar. Ședința următoare este pe 12 ianuarie, cu demonstrație la sediu.
- Trimitem oferta până vineri.
- Verificăm CUI-ul la ANAF.

Clientul s-a plâns de furnizorul actual: facturile ajung cu întârziere în SPV. Vrea și rapoarte SAF-T
lunare. Ne-a cerut o ofertă pentru integrarea cu SPV și SAF-T."""

THREAD_EN = """Thanks for the demo yesterday. Our finance team liked the e-invoicing workflow.
We would need the integration with our warehouse system before the summer. Could you send a quote for
the integration and the training? The weather was lovely in Cluj. Our budget for the integration is
approved for this quarter. Please include the integration timeline in the quote."""


def test_sentences_keep_abbreviations_and_split_bullets() -> None:
    got = extractive.sentences(MEETING_RO)
    assert got[0] == "Am discutat cu dl. Popescu de la Alfa S.R.L. despre implementarea e-Factura."
    assert "Trimitem oferta până vineri." in got and "Verificăm CUI-ul la ANAF." in got
    assert len(got) == 9
    assert extractive.sentences("Preț: 1.500 lei. Termen: 3 zile!  Ok?") == [
        "Preț: 1.500 lei.",
        "Termen: 3 zile!",
        "Ok?",
    ]


def test_diacritics_fold_in_both_romanian_spellings() -> None:
    assert extractive.fold("Ședință ŞEDINŢĂ înțelegere") == "sedinta sedinta intelegere"
    assert extractive.words("oferta ofertă") == ["oferta", "oferta"]


def test_language() -> None:
    assert extractive.language(MEETING_RO) == "ro"
    assert extractive.language(THREAD_EN) == "en"
    assert extractive.language("Clientul vrea o ofertă") == "ro"


def test_summary_keeps_central_sentences_in_their_order() -> None:
    summary = extractive.summarize(THREAD_EN, 2)
    kept = extractive.sentences(summary)
    assert len(kept) == 2
    assert all("integration" in s for s in kept)  # the thread's subject, not the weather
    source = extractive.sentences(THREAD_EN)
    assert [source.index(s) for s in kept] == sorted(source.index(s) for s in kept)
    ro = extractive.summarize(MEETING_RO, 3)
    assert "SPV" in ro and len(extractive.sentences(ro)) == 3


def test_short_text_and_duplicates() -> None:
    assert extractive.summarize("Un singur rând.", 3) == "Un singur rând."
    assert extractive.summarize("", 3) == ""
    twice = "Oferta pentru SPV trimisă. Oferta pentru SPV trimisă. Clientul confirmă bugetul. Altceva nimic."
    assert extractive.summarize(twice, 2).count("Oferta pentru SPV") == 1


def test_extractive_provider() -> None:
    result = ExtractiveSummariser(2).summarize(MEETING_RO, "ro")
    assert (result.provider, result.model) == ("extractive", "textrank-tfidf-2")
    assert len(extractive.sentences(result.text)) == 2


# --- chat completions ------------------------------------------------------------------------------
@dataclass
class Fake:
    url: str
    state: State


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = State()
    with LiveServer(create_app(state), free_port()) as server:
        yield Fake(server.url + "/v1", state)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(fake: Fake, **kw: object) -> ChatClient:
    kw.setdefault("api_key", fake.state.api_key)
    return ChatClient(fake.url, "gpt-4o-mini", **kw)  # type: ignore[arg-type]


def test_completion_shape_and_prompt(fake: Fake) -> None:
    result = ChatSummariser(client(fake, max_tokens=200)).summarize(MEETING_RO, "ro")
    assert (result.provider, result.model) == ("openai", "gpt-4o-mini")
    assert "SPV" in result.text
    body = fake.state.requests[-1]
    assert body["model"] == "gpt-4o-mini" and body["max_tokens"] == 200
    assert body["messages"][0] == {"role": "system", "content": PROMPTS["ro"]}
    assert body["messages"][1]["role"] == "user" and "Popescu" in body["messages"][1]["content"]
    raw = httpx.post(
        fake.url + "/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": THREAD_EN}], "max_tokens": 3},
        headers={"Authorization": f"Bearer {fake.state.api_key}"},
    ).json()
    assert raw["object"] == "chat.completion" and raw["id"].startswith("chatcmpl-")
    assert raw["choices"][0]["finish_reason"] == "length"
    assert len(raw["choices"][0]["message"]["content"].split()) == 3
    assert raw["usage"]["total_tokens"] == raw["usage"]["prompt_tokens"] + raw["usage"]["completion_tokens"]
    assert PROMPTS["en"] != PROMPTS["ro"]


def test_retries_429_and_500_with_backoff_honouring_retry_after(fake: Fake) -> None:
    sleeps = Sleeps()
    fake.state.retry_after = 7
    fake.state.faults.extend([429, 500, 503])
    done = client(fake, sleep=sleeps, max_retries=3).complete([{"role": "user", "content": THREAD_EN}])
    assert done.text and done.finish_reason == "stop"
    assert sleeps == [7.0, 2.0, 7.0]  # Retry-After when longer than the backoff (1, 2, 4 s)
    assert len(fake.state.requests) == 4


def test_gives_up_after_max_retries(fake: Fake) -> None:
    sleeps = Sleeps()
    fake.state.faults.extend([500, 500, 500])
    with pytest.raises(Temporary) as err:
        client(fake, sleep=sleeps, max_retries=2).complete([{"role": "user", "content": "x y"}])
    assert err.value.status == 500 and sleeps == [1.0, 2.0]


def test_refusals_are_not_retried(fake: Fake) -> None:
    sleeps = Sleeps()
    with pytest.raises(Permanent) as err:
        client(fake, api_key="sk-wrong", sleep=sleeps).complete([{"role": "user", "content": "x"}])
    assert err.value.status == 401 and "Incorrect API key" in str(err.value)
    with pytest.raises(Permanent) as err:
        ChatClient(fake.url, "gpt-5-imaginary", api_key=fake.state.api_key, sleep=sleeps).complete(
            [{"role": "user", "content": "x"}]
        )
    assert err.value.status == 404
    with pytest.raises(Permanent) as err:
        client(fake, sleep=sleeps).complete([])
    assert err.value.status == 400
    assert sleeps == []


def test_network_failure_is_temporary() -> None:
    sleeps = Sleeps()
    dead = ChatClient(f"http://127.0.0.1:{free_port()}/v1", "m", sleep=sleeps, max_retries=1, timeout=2)
    with pytest.raises(Temporary):
        dead.complete([{"role": "user", "content": "x"}])
    assert sleeps == [1.0]


def test_provider_from_settings(fake: Fake) -> None:
    assert isinstance(from_settings(Settings(ai_summary_sentences=4)), ExtractiveSummariser)
    chat = from_settings(
        Settings(
            ai_summary_provider="openai",
            ai_summary_base_url=fake.url,
            ai_summary_api_key=fake.state.api_key,
            ai_summary_model="llama3.1:8b",
            ai_summary_max_tokens=50,
        )
    )
    assert isinstance(chat, ChatSummariser)
    result = chat.summarize(THREAD_EN, "en")
    assert result.model == "llama3.1:8b" and fake.state.requests[-1]["max_tokens"] == 50
