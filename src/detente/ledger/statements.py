"""What a verified evidence bundle proves, said in the reader's language (tr, ar, en, ru).

The phrasebook is declarative: one :class:`Phrasebook` per language, whose templates take named
fields, plus the names of notification kinds and precedences. :func:`render_statement` fills
them from a :class:`~detente.ledger.bundle.BundleReport`.

Every value put into a template is *isolated* first (Unicode bidirectional isolates, UAX #9):
identifiers, times, hashes, numbers and codes in a left-to-right isolate (U+2066 … U+2069), names
and free text, whose direction is not known, in a first-strong isolate (U+2068 … U+2069). Arabic
text then reads correctly right to left, with every identifier and time intact inside it; the
other languages get the isolates only where Arabic names or text occur in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..protocol.timestamps import parse_time

if TYPE_CHECKING:
    from .bundle import BundleReport, CheckpointFacts, MessageFacts, StationFacts

__all__ = [
    "KIND_NAMES",
    "LANGUAGES",
    "PHRASEBOOKS",
    "PRECEDENCE_NAMES",
    "Phrasebook",
    "first_strong",
    "left_to_right",
    "render_statement",
]

LANGUAGES = ("tr", "ar", "en", "ru")

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


def left_to_right(text: str) -> str:
    """An identifier, time, hash, number or code, kept left to right wherever it stands."""
    return f"{LRI}{text}{PDI}"


def first_strong(text: str) -> str:
    """A name or free text of unknown direction, isolated from the sentence around it."""
    return f"{FSI}{text}{PDI}"


@dataclass(frozen=True)
class Phrasebook:
    """The templates of one language. Fields in braces are filled with isolated values."""

    header: str
    verified: str
    stations: str
    station: str
    trust: str
    selected_ids: str
    selected_range: str
    message: str
    receipt: str
    no_receipt: str
    acknowledged: str
    acknowledged_by_station: str
    late: str
    note: str
    answered: str
    ack_receipt: str
    answer_receipt: str
    later: str
    earlier: str
    after_signed: str
    logged: str
    checkpoint: str
    earlier_checkpoints: str
    earlier_checkpoint: str
    offset_ahead: str
    offset_behind: str
    offset_meaning: str
    offset_none: str
    record: str
    record_about: str
    scope: str
    receipt_absent: str
    ack_absent: str
    answer_absent: str
    answer_absent_alone: str
    not_yet: str
    scope_complete: str
    clause: str
    """How the clauses of one sentence are joined."""
    end: str
    quote: tuple[str, str]
    decimal: str
    seconds: str
    minutes: str
    hours: str
    milliseconds: str


EN = Phrasebook(
    header="Evidence bundle {format}, SHA-256 {digest}, exported by {exporter} at {exported_at}.",
    verified="Every signature, hash and proof in it verifies: not one byte of it was changed after export.",
    stations="Stations:",
    station="{name} ({party}), station {station_id}, fingerprint {fingerprint}",
    trust=(
        "The bundle proves what the keys in these two cards signed. Compare both fingerprints with the ones the "
        "two parties exchanged and confirmed by voice: a bundle made with other keys verifies just as well "
        "against its own cards."
    ),
    selected_ids="Selected by message id: {ids}.",
    selected_range="Selected: every message created from {start} to {end} (by its sender's clock).",
    message="Message {id} ({precedence}, {kind}) was signed by {sender} at {created}",
    receipt="{receiver} signed its receipt at {received} ({delta})",
    no_receipt="the bundle holds no receipt for it",
    acknowledged="operator {operator} of {station} acknowledged it at {at} ({delta})",
    acknowledged_by_station="{station} acknowledged it at {at} ({delta})",
    late="late by {late}",
    note="with the note {note}",
    answered="{station} answered it with message {id} ({kind}) at {at} ({delta})",
    ack_receipt="{receiver} signed its receipt of the acknowledgement at {received}",
    answer_receipt="{receiver} signed its receipt of the answer at {received}",
    later="{duration} later",
    earlier="{duration} earlier, by the two clocks",
    after_signed="{duration} after it was signed",
    logged=(
        "It is entry {index} of the log of {author}; the first checkpoint that includes it was co-signed by "
        "{witness} at {cosigned_at} (whole seconds, by its clock), so it was in the record within that second "
        "at the latest."
    ),
    checkpoint=(
        "Checkpoint: {author} signed its log of the line at size {size} at {time} ({algorithms}); {witness} "
        "co-signed it at {cosigned_at} ({algorithms}). Root hash {root}."
    ),
    earlier_checkpoints="Earlier co-signed checkpoints in the bundle, each proven consistent with it:",
    earlier_checkpoint="size {size}, signed at {time}, co-signed at {cosigned_at}",
    offset_ahead=(
        "Clock offset recorded in it: the clock of {other} was {offset} ahead of that of {author}, as "
        "estimated from heartbeats when the checkpoint was made."
    ),
    offset_behind=(
        "Clock offset recorded in it: the clock of {other} was {offset} behind that of {author}, as "
        "estimated from heartbeats when the checkpoint was made."
    ),
    offset_meaning=(
        "Each time above was read from the clock of the station that signed it, so an interval between times "
        "signed by the two stations may be off by about that much."
    ),
    offset_none=(
        "No clock offset is recorded in it (the link had not measured one yet), so this bundle does not show "
        "how closely the two stations' clocks agreed."
    ),
    record="{station} recorded the event {event} at {at}: {detail}",
    record_about="{station} recorded the event {event} concerning message {id} at {at}: {detail}",
    scope=(
        "The bundle shows these entries as they stand in the log of {author}, co-signed by both stations; it "
        "does not show that the log holds nothing else."
    ),
    receipt_absent=(
        "no receipt for it is in the log of {author} up to checkpoint {size}, co-signed by {witness} at {cosigned_at}"
    ),
    ack_absent=(
        "no acknowledgement of it is in the log of {author} up to checkpoint {size}, co-signed by {witness} at "
        "{cosigned_at}"
    ),
    answer_absent="nor is any answer to it",
    answer_absent_alone=(
        "no answer to it is in the log of {author} up to checkpoint {size}, co-signed by {witness} at {cosigned_at}"
    ),
    not_yet="(not yet in the log at checkpoint {size}, co-signed at {cosigned_at})",
    scope_complete=(
        "The bundle reveals the whole log of {author} up to its last checkpoint (size {size}), and its entries hash to "
        "that checkpoint's root: what this statement says is not in the log is proven absent from it up to that "
        "checkpoint, co-signed by {witness} at {cosigned_at} (by its clock)."
    ),
    clause="; ",
    end=".",
    quote=("\u201c", "\u201d"),
    decimal=".",
    seconds="s",
    minutes="min",
    hours="h",
    milliseconds="ms",
)

TR = Phrasebook(
    header=(
        "Kanıt paketi {format}, SHA-256 özeti {digest}; {exporter} istasyonu tarafından {exported_at} "
        "tarihinde dışa aktarılmıştır."
    ),
    verified=(
        "İçindeki bütün imzalar, özetler ve ispatlar doğrulanmıştır: dışa aktarıldıktan sonra hiçbir baytı "
        "değiştirilmemiştir."
    ),
    stations="İstasyonlar:",
    station="{name} ({party}), istasyon kimliği {station_id}, parmak izi {fingerprint}",
    trust=(
        "Bu paket, bu iki kartta yer alan anahtarların neyi imzaladığını ispatlar. İki parmak izini, tarafların "
        "birbirine ilettiği ve sesli olarak teyit ettiği parmak izleriyle karşılaştırınız: başka anahtarlarla "
        "hazırlanmış bir paket de kendi kartlarına göre aynı şekilde doğrulanır."
    ),
    selected_ids="Mesaj kimliğine göre seçilenler: {ids}.",
    selected_range=("Seçim: {start} ile {end} arasında (gönderen istasyonun saatine göre) oluşturulan bütün mesajlar."),
    message="{id} kimlikli mesaj ({precedence}, {kind}), {sender} istasyonu tarafından {created} tarihinde imzalandı",
    receipt="{receiver} istasyonu alındı belgesini {received} tarihinde imzaladı ({delta})",
    no_receipt="pakette bu mesaja ait alındı belgesi bulunmamaktadır",
    acknowledged="{station} istasyonundan {operator} adlı operatör mesajı aldığını {at} tarihinde teyit etti ({delta})",
    acknowledged_by_station="{station} istasyonu mesajın alındığını {at} tarihinde teyit etti ({delta})",
    late="{late} gecikmeyle",
    note="notu: {note}",
    answered="{station} istasyonu mesajı {at} tarihinde {id} kimlikli mesajla ({kind}) yanıtladı ({delta})",
    ack_receipt="{receiver} istasyonu teyidin alındı belgesini {received} tarihinde imzaladı",
    answer_receipt="{receiver} istasyonu yanıtın alındı belgesini {received} tarihinde imzaladı",
    later="{duration} sonra",
    earlier="iki istasyonun saatlerine göre {duration} önce",
    after_signed="imzalanmasından {duration} sonra",
    logged=(
        "Mesaj, {author} istasyonunun kaydındaki {index} numaralı girdidir; onu kapsayan ilk kontrol noktası "
        "{witness} istasyonu tarafından {cosigned_at} tarihinde (saniye hassasiyetiyle, kendi saatine göre) ortak "
        "imzalanmıştır; dolayısıyla mesaj en geç o saniye içinde kayıtta bulunmaktaydı."
    ),
    checkpoint=(
        "Kontrol noktası: {author} istasyonu, hattın kaydını {size} girdi büyüklüğünde {time} tarihinde "
        "imzaladı ({algorithms}); {witness} istasyonu bunu {cosigned_at} tarihinde ortak imzaladı ({algorithms}). "
        "Kök özeti {root}."
    ),
    earlier_checkpoints=(
        "Paketteki daha önceki ortak imzalı kontrol noktaları (her birinin bununla tutarlılığı ispatlanmıştır):"
    ),
    earlier_checkpoint="{size} girdi, imza tarihi {time}, ortak imza tarihi {cosigned_at}",
    offset_ahead=(
        "Kontrol noktasında kayıtlı saat farkı: kontrol noktası oluşturulduğunda {other} istasyonunun saati, "
        "{author} istasyonunun saatinden {offset} ileriydi (bağlantı yoklamalarından tahmin edilmiştir)."
    ),
    offset_behind=(
        "Kontrol noktasında kayıtlı saat farkı: kontrol noktası oluşturulduğunda {other} istasyonunun saati, "
        "{author} istasyonunun saatinden {offset} geriydi (bağlantı yoklamalarından tahmin edilmiştir)."
    ),
    offset_meaning=(
        "Yukarıdaki her zaman, onu imzalayan istasyonun kendi saatinden alınmıştır; bu nedenle iki istasyonun "
        "imzaladığı zamanlar arasındaki süre yaklaşık bu kadar sapabilir."
    ),
    offset_none=(
        "Kontrol noktasında saat farkı kayıtlı değildir (bağlantı henüz ölçmemişti); bu nedenle iki istasyonun "
        "saatlerinin ne ölçüde uyuştuğu bu paketten anlaşılamaz."
    ),
    record="{station} istasyonu {at} tarihinde {event} olayını kaydetti: {detail}",
    record_about="{station} istasyonu {at} tarihinde {id} kimlikli mesajla ilgili {event} olayını kaydetti: {detail}",
    scope=(
        "Paket, bu girdileri her iki istasyonca ortak imzalanmış olan {author} istasyonu kaydında bulundukları "
        "şekliyle gösterir; kaydın başka bir şey içermediğini göstermez."
    ),
    receipt_absent=(
        "{author} istasyonunun kaydında, {witness} istasyonunun {cosigned_at} tarihinde ortak imzaladığı {size} "
        "girdilik kontrol noktasına kadar bu mesajın alındı belgesi bulunmadığı ispatlanmıştır"
    ),
    ack_absent=(
        "{author} istasyonunun kaydında, {witness} istasyonunun {cosigned_at} tarihinde ortak imzaladığı {size} "
        "girdilik kontrol noktasına kadar bu mesajın teyidi bulunmadığı ispatlanmıştır"
    ),
    answer_absent="aynı kayıtta mesaja verilmiş bir yanıt da bulunmamaktadır",
    answer_absent_alone=(
        "{author} istasyonunun kaydında, {witness} istasyonunun {cosigned_at} tarihinde ortak imzaladığı {size} "
        "girdilik kontrol noktasına kadar mesaja verilmiş bir yanıt bulunmadığı ispatlanmıştır"
    ),
    not_yet="({cosigned_at} tarihinde ortak imzalanan {size} girdilik kontrol noktasında henüz kayıtta değildi)",
    scope_complete=(
        "Paket, {author} istasyonunun kaydını son kontrol noktasına ({size} girdi) kadar eksiksiz açıklar ve "
        "girdilerin özetleri o kontrol noktasının kök özetini verir: bu açıklamada kayıtta bulunmadığı söylenen her "
        "şeyin, {witness} istasyonunun {cosigned_at} tarihinde (kendi saatine göre) ortak imzaladığı o kontrol "
        "noktasına kadar kayıtta bulunmadığı ispatlanmıştır."
    ),
    clause="; ",
    end=".",
    quote=("\u201c", "\u201d"),
    decimal=",",
    seconds="sn",
    minutes="dk",
    hours="sa",
    milliseconds="ms",
)

AR = Phrasebook(
    header="حزمة أدلة بصيغة {format}، بصمتها {digest} ({sha256})، صدّرتها المحطة {exporter} في {exported_at}.",
    verified="تحققت جميع التواقيع والبصمات والبراهين الواردة فيها: لم يُغيَّر أي بايت منها بعد تصديرها.",
    stations="المحطتان:",
    station="المحطة {name} ({party})، معرّفها {station_id}، بصمة بطاقتها {fingerprint}",
    trust=(
        "تثبت هذه الحزمة ما وقّعته المفاتيح الواردة في هاتين البطاقتين. قارنوا البصمتين بالبصمتين اللتين تبادلهما "
        "الطرفان وتحققا منهما صوتياً: فالحزمة المصنوعة بمفاتيح أخرى تجتاز التحقق بالقدر نفسه مع بطاقاتها."
    ),
    selected_ids="الرسائل المختارة حسب المعرّف: {ids}.",
    selected_range="الاختيار: كل رسالة أُنشئت من {start} إلى {end} (بحسب ساعة المحطة المرسِلة).",
    message="الرسالة {id} ({precedence}، {kind}) وقّعتها المحطة {sender} في {created}",
    receipt="ووقّعت المحطة {receiver} إيصال استلامها في {received} ({delta})",
    no_receipt="ولا تتضمن الحزمة إيصال استلام لها",
    acknowledged="وأقرّ المشغّل {operator} في المحطة {station} باستلامها في {at} ({delta})",
    acknowledged_by_station="وأقرّت المحطة {station} باستلامها في {at} ({delta})",
    late="متأخراً بمقدار {late}",
    note="مع الملاحظة {note}",
    answered="وردّت عليها المحطة {station} بالرسالة {id} ({kind}) في {at} ({delta})",
    ack_receipt="ووقّعت المحطة {receiver} إيصال استلام هذا الإقرار في {received}",
    answer_receipt="ووقّعت المحطة {receiver} إيصال استلام هذا الرد في {received}",
    later="بعد {duration}",
    earlier="قبلها بـ{duration} بحسب ساعتي المحطتين",
    after_signed="بعد {duration} من توقيعها",
    logged=(
        "وهي القيد رقم {index} في سجل المحطة {author}؛ وقد وقّعت المحطة {witness} توقيعاً مشتركاً أولَ نقطة "
        "تحقق تشملها في {cosigned_at} (بدقة الثانية، بحسب ساعتها)، فهي إذن مسجّلة في السجل في موعد أقصاه تلك "
        "الثانية."
    ),
    checkpoint=(
        "نقطة التحقق: وقّعت المحطة {author} سجلها لهذا الخط عند الحجم {size} في {time} ({algorithms})، "
        "ووقّعتها المحطة {witness} توقيعاً مشتركاً في {cosigned_at} ({algorithms}). تجزئة الجذر {root}."
    ),
    earlier_checkpoints="نقاط تحقق سابقة موقّعة توقيعاً مشتركاً في الحزمة، ثبت اتساق كل منها معها:",
    earlier_checkpoint="الحجم {size}، وُقّعت في {time}، ووُقّعت توقيعاً مشتركاً في {cosigned_at}",
    offset_ahead=(
        "فرق التوقيت المسجّل فيها: كانت ساعة المحطة {other} متقدمة على ساعة المحطة {author} بمقدار {offset}، "
        "بحسب تقدير مبني على نبضات الاتصال عند إنشاء نقطة التحقق."
    ),
    offset_behind=(
        "فرق التوقيت المسجّل فيها: كانت ساعة المحطة {other} متأخرة عن ساعة المحطة {author} بمقدار {offset}، "
        "بحسب تقدير مبني على نبضات الاتصال عند إنشاء نقطة التحقق."
    ),
    offset_meaning=(
        "كل وقت مذكور أعلاه مأخوذ من ساعة المحطة التي وقّعته؛ لذا قد تنحرف المدة بين وقتين وقّعتهما المحطتان "
        "بهذا المقدار تقريباً."
    ),
    offset_none=(
        "لا تتضمن نقطة التحقق فرق توقيت مسجّلاً (لم يكن الخط قد قاسه بعد)، فلا تبيّن هذه الحزمة مدى اتفاق ساعتي المحطتين."
    ),
    record="سجّلت المحطة {station} الحدث {event} في {at}: {detail}",
    record_about="سجّلت المحطة {station} الحدث {event} المتعلق بالرسالة {id} في {at}: {detail}",
    scope=(
        "تُظهر الحزمة هذه القيود كما هي في سجل المحطة {author} الذي وقّعته المحطتان كلتاهما؛ ولا تُثبت أن السجل "
        "لا يحوي شيئاً آخر."
    ),
    receipt_absent=(
        "وثبت أن سجل المحطة {author} حتى نقطة التحقق ذات الحجم {size}، التي وقّعتها المحطة {witness} توقيعاً مشتركاً "
        "في {cosigned_at}، لا يتضمن إيصال استلام لها"
    ),
    ack_absent=(
        "وثبت أن سجل المحطة {author} حتى نقطة التحقق ذات الحجم {size}، التي وقّعتها المحطة {witness} توقيعاً مشتركاً "
        "في {cosigned_at}، لا يتضمن إقراراً باستلامها"
    ),
    answer_absent="ولا يتضمن ذلك السجل أي رد عليها",
    answer_absent_alone=(
        "وثبت أن سجل المحطة {author} حتى نقطة التحقق ذات الحجم {size}، التي وقّعتها المحطة {witness} توقيعاً "
        "مشتركاً في {cosigned_at}، لا يتضمن أي رد عليها"
    ),
    not_yet="(ولم يكن في السجل بعد عند نقطة التحقق ذات الحجم {size} الموقّعة توقيعاً مشتركاً في {cosigned_at})",
    scope_complete=(
        "تكشف الحزمة سجل المحطة {author} كاملاً حتى آخر نقطة تحقق فيه (الحجم {size})، وتُنتج تجزئات قيوده جذر تلك "
        "النقطة: فكل ما يذكر هذا البيان أنه ليس في السجل ثبت غيابه عنه حتى نقطة التحقق تلك، التي وقّعتها المحطة "
        "{witness} توقيعاً مشتركاً في {cosigned_at} (بحسب ساعتها)."
    ),
    clause="؛ ",
    end=".",
    quote=("«", "»"),
    decimal=".",
    seconds="ث",
    minutes="د",
    hours="س",
    milliseconds="ملّي ثانية",
)

RU = Phrasebook(
    header="Пакет доказательств {format}, SHA-256 {digest}, выгружен станцией {exporter} в {exported_at}.",
    verified="Все подписи, хеши и доказательства в нём проверены: после выгрузки не изменён ни один байт.",
    stations="Станции:",
    station="{name} ({party}), идентификатор станции {station_id}, отпечаток {fingerprint}",
    trust=(
        "Пакет доказывает, что именно подписали ключи, указанные в этих двух карточках. Сверьте оба отпечатка "
        "с теми, которыми обменялись стороны и которые они подтвердили голосом: пакет, изготовленный с другими "
        "ключами, точно так же пройдёт проверку по собственным карточкам."
    ),
    selected_ids="Отобраны по идентификатору сообщения: {ids}.",
    selected_range="Отобраны все сообщения, созданные с {start} по {end} (по часам станции-отправителя).",
    message="Сообщение {id} ({precedence}, {kind}) подписано станцией {sender} в {created}",
    receipt="станция {receiver} подписала квитанцию о его получении в {received} ({delta})",
    no_receipt="квитанции о его получении в пакете нет",
    acknowledged="оператор {operator} станции {station} подтвердил его получение в {at} ({delta})",
    acknowledged_by_station="станция {station} подтвердила его получение в {at} ({delta})",
    late="с опозданием на {late}",
    note="с примечанием {note}",
    answered="станция {station} ответила на него сообщением {id} ({kind}) в {at} ({delta})",
    ack_receipt="станция {receiver} подписала квитанцию о получении этого подтверждения в {received}",
    answer_receipt="станция {receiver} подписала квитанцию о получении этого ответа в {received}",
    later="через {duration}",
    earlier="на {duration} раньше по часам двух станций",
    after_signed="через {duration} после подписания",
    logged=(
        "Это запись № {index} журнала станции {author}; первая включающая её контрольная точка заверена "
        "станцией {witness} в {cosigned_at} (с точностью до секунды, по её часам), следовательно, не позднее "
        "этой секунды запись уже находилась в журнале."
    ),
    checkpoint=(
        "Контрольная точка: станция {author} подписала состояние своего журнала линии (записей: {size}) в "
        "{time} ({algorithms}); станция {witness} заверила его своей подписью в {cosigned_at} ({algorithms}). "
        "Корневой хеш {root}."
    ),
    earlier_checkpoints="Более ранние заверенные контрольные точки в пакете (согласованность каждой с ней доказана):",
    earlier_checkpoint="записей: {size}, подписана в {time}, заверена в {cosigned_at}",
    offset_ahead=(
        "Зафиксированное в ней расхождение часов: при создании контрольной точки часы станции {other} "
        "опережали часы станции {author} на {offset} (оценка по контрольным сигналам линии)."
    ),
    offset_behind=(
        "Зафиксированное в ней расхождение часов: при создании контрольной точки часы станции {other} "
        "отставали от часов станции {author} на {offset} (оценка по контрольным сигналам линии)."
    ),
    offset_meaning=(
        "Каждое указанное выше время взято по часам подписавшей его станции, поэтому промежуток между "
        "временами, подписанными разными станциями, может отличаться от истинного примерно на эту величину."
    ),
    offset_none=(
        "Расхождение часов в ней не зафиксировано (линия его ещё не измерила), поэтому из пакета не видно, "
        "насколько согласованы часы двух станций."
    ),
    record="Станция {station} зарегистрировала событие {event} в {at}: {detail}",
    record_about="Станция {station} зарегистрировала событие {event}, касающееся сообщения {id}, в {at}: {detail}",
    scope=(
        "Пакет показывает эти записи в том виде, в каком они находятся в журнале станции {author}, заверенном "
        "обеими станциями; он не доказывает, что в журнале нет ничего другого."
    ),
    receipt_absent=(
        "доказано, что в журнале станции {author} до контрольной точки (записей: {size}), заверенной станцией "
        "{witness} в {cosigned_at}, квитанции о его получении нет"
    ),
    ack_absent=(
        "доказано, что в журнале станции {author} до контрольной точки (записей: {size}), заверенной станцией "
        "{witness} в {cosigned_at}, подтверждения его получения нет"
    ),
    answer_absent="ответа на него в этом журнале тоже нет",
    answer_absent_alone=(
        "доказано, что в журнале станции {author} до контрольной точки (записей: {size}), заверенной станцией "
        "{witness} в {cosigned_at}, ответа на него нет"
    ),
    not_yet="(в контрольной точке (записей: {size}), заверенной в {cosigned_at}, этого в журнале ещё не было)",
    scope_complete=(
        "Пакет раскрывает журнал станции {author} целиком до его последней контрольной точки (записей: {size}), и хеши "
        "записей дают её корень: всё, чего, как сказано выше, в журнале нет, доказуемо отсутствует в нём вплоть до "
        "этой контрольной точки, заверенной станцией {witness} в {cosigned_at} (по её часам)."
    ),
    clause="; ",
    end=".",
    quote=("«", "»"),
    decimal=",",
    seconds="с",
    minutes="мин",
    hours="ч",
    milliseconds="мс",
)

PHRASEBOOKS = {"tr": TR, "ar": AR, "en": EN, "ru": RU}

KIND_NAMES = {
    "en": {
        "free-text": "free text",
        "flight-notice": "flight notice",
        "air-defence-notice": "air-defence notice",
        "fire-notice": "fire notice",
        "incident-report": "incident report",
        "clarification-request": "clarification request",
        "clarification-response": "clarification response",
        "humanitarian-notice": "humanitarian notice",
        "acknowledgement": "acknowledgement",
        "watch-check": "watch check",
    },
    "tr": {
        "free-text": "serbest metin",
        "flight-notice": "uçuş bildirimi",
        "air-defence-notice": "hava savunma bildirimi",
        "fire-notice": "atış bildirimi",
        "incident-report": "olay raporu",
        "clarification-request": "açıklama talebi",
        "clarification-response": "açıklama talebine yanıt",
        "humanitarian-notice": "insani yardım hareketi bildirimi",
        "acknowledgement": "teyit",
        "watch-check": "nöbet kontrolü",
    },
    "ar": {
        "free-text": "نص حر",
        "flight-notice": "إشعار طيران",
        "air-defence-notice": "إشعار دفاع جوي",
        "fire-notice": "إشعار رماية",
        "incident-report": "تقرير حادث",
        "clarification-request": "طلب استيضاح",
        "clarification-response": "رد على طلب استيضاح",
        "humanitarian-notice": "إشعار تحرك إنساني",
        "acknowledgement": "إقرار",
        "watch-check": "تفقد المناوبة",
    },
    "ru": {
        "free-text": "произвольный текст",
        "flight-notice": "уведомление о полётах",
        "air-defence-notice": "уведомление о средствах ПВО",
        "fire-notice": "уведомление о стрельбах",
        "incident-report": "донесение об инциденте",
        "clarification-request": "запрос о разъяснении",
        "clarification-response": "ответ на запрос о разъяснении",
        "humanitarian-notice": "уведомление о гуманитарном передвижении",
        "acknowledgement": "подтверждение",
        "watch-check": "проверка дежурной смены",
    },
}
"""The notification kinds by name in each language (as in the notification catalogues)."""

PRECEDENCE_NAMES = {
    "en": {"flash": "FLASH", "immediate": "IMMEDIATE", "priority": "PRIORITY", "routine": "ROUTINE"},
    "tr": {
        "flash": "YILDIRIM (FLASH)",
        "immediate": "ÇOK ACELE (IMMEDIATE)",
        "priority": "ACELE (PRIORITY)",
        "routine": "NORMAL (ROUTINE)",
    },
    "ar": {"flash": "خاطف", "immediate": "فوري", "priority": "عاجل", "routine": "عادي"},
    "ru": {
        "flash": "МОЛНИЯ (FLASH)",
        "immediate": "НЕМЕДЛЕННО (IMMEDIATE)",
        "priority": "СРОЧНО (PRIORITY)",
        "routine": "ОБЫЧНОЕ (ROUTINE)",
    },
}
"""NATO precedences; the other languages keep the NATO word in brackets (Arabic: after it, isolated)."""

_ALGORITHMS = "Ed25519 + ML-DSA-65"
_FORMAT_NAME = "detente-evidence-bundle/1"


# --- rendering ---------------------------------------------------------------------------------


class _Say:
    """Formatting helpers of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.book = PHRASEBOOKS[lang]

    def code(self, text: str) -> str:
        return left_to_right(text)

    def name(self, text: str) -> str:
        return first_strong(text)

    def quoted(self, text: str) -> str:
        opening, closing = self.book.quote
        return f"{opening}{first_strong(text)}{closing}"

    def number(self, value: float, places: int) -> str:
        text = f"{value:.{places}f}" if places else str(round(value))
        return left_to_right(text.replace(".", self.book.decimal))

    def duration(self, seconds: float) -> str:
        book = self.book
        seconds = abs(seconds)
        if seconds < 1:
            return f"{self.number(seconds * 1000, 0)} {book.milliseconds}"
        if seconds < 60:
            return f"{self.number(seconds, 1)} {book.seconds}"
        whole = round(seconds)
        if whole < 3600:
            return f"{self.number(whole // 60, 0)} {book.minutes} {self.number(whole % 60, 0)} {book.seconds}"
        return f"{self.number(whole // 3600, 0)} {book.hours} {self.number(whole % 3600 // 60, 0)} {book.minutes}"

    def offset(self, milliseconds: float) -> str:
        milliseconds = abs(milliseconds)
        if milliseconds < 1000:
            return f"{self.number(milliseconds, 1)} {self.book.milliseconds}"
        return self.duration(milliseconds / 1000)

    def station(self, facts: StationFacts) -> str:
        return f"{self.name(facts.name)} ({self.code(facts.party)})"

    def kind(self, kind: str) -> str:
        known = KIND_NAMES[self.lang].get(kind)
        return self.code(kind) if known is None else known

    def precedence(self, precedence: str) -> str:
        known = PRECEDENCE_NAMES[self.lang].get(precedence)
        if known is None:
            return self.code(precedence)
        if self.lang == "ar":
            return f"{known} {self.code('(' + precedence.upper() + ')')}"
        return known

    def delta(self, start: str, end: str, template: str | None = None) -> str:
        seconds = parse_time(end) - parse_time(start)
        if seconds < 0:
            return self.book.earlier.format(duration=self.duration(seconds))
        return (template or self.book.later).format(duration=self.duration(seconds))

    def sentence(self, clauses: Sequence[str]) -> str:
        return self.book.clause.join(clauses) + self.book.end


def render_statement(report: BundleReport, lang: str) -> str:
    """The statement of what ``report`` proves, in ``lang`` (one of LANGUAGES), as lines of text."""
    say = _Say(lang)
    book = say.book
    stations = {report.exporter.station_id: report.exporter, report.peer.station_id: report.peer}
    author, witness = say.station(report.exporter), say.station(report.peer)
    lines = [
        book.header.format(
            format=say.code(_FORMAT_NAME),
            digest=say.code(report.sha256),
            sha256=say.code("SHA-256"),
            exporter=author,
            exported_at=say.code(report.exported_at),
        ),
        book.verified,
        "",
        book.stations,
    ]
    for facts in (report.exporter, report.peer):
        line = book.station.format(
            name=say.name(facts.name),
            party=say.code(facts.party),
            station_id=say.code(facts.station_id),
            fingerprint=say.code(facts.fingerprint),
        )
        lines.append(f"  {line}")
    lines += [book.trust, ""]
    if report.selected_messages:
        lines.append(book.selected_ids.format(ids=", ".join(say.code(i) for i in report.selected_messages)))
    else:
        lines.append(
            book.selected_range.format(
                start=say.code(report.selected_from or ""), end=say.code(report.selected_to or "")
            )
        )
    head = report.checkpoint if report.complete else None
    for message in report.messages:
        lines += ["", _message(say, message, stations, author, witness, head, report.checkpoints)]
    for record in report.records:
        event = (book.record if record.message is None else book.record_about).format(
            station=say.station(stations[record.station]),
            event=say.code(record.event),
            id=say.code(record.message or ""),
            at=say.code(record.at),
            detail=say.quoted(record.detail),
        )
        lines += ["", event + book.end]
    if head is None:
        scope = book.scope.format(author=author)
    else:
        scope = book.scope_complete.format(
            author=author, witness=witness, size=say.code(str(head.size)), cosigned_at=say.code(head.cosigned_at)
        )
    lines += ["", *_checkpoint(say, report, author, witness), "", scope]
    return "\n".join(lines) + "\n"


def _message(
    say: _Say,
    message: MessageFacts,
    stations: dict[str, StationFacts],
    author: str,
    witness: str,
    head: CheckpointFacts | None,
    checkpoints: Sequence[CheckpointFacts],
) -> str:
    """One sentence per message; with ``head`` (the bundle reveals the whole log up to it), what
    is missing is said to be proven absent, and what is present when it was not yet logged."""
    book = say.book

    def absent(template: str) -> str:
        if head is None:
            return ""
        return template.format(
            author=author, witness=witness, size=say.code(str(head.size)), cosigned_at=say.code(head.cosigned_at)
        )

    def not_yet(index: int) -> str:
        earlier = [c for c in checkpoints if c.size <= index] if head is not None else []
        if not earlier:
            return ""
        return " " + book.not_yet.format(
            size=say.code(str(earlier[-1].size)), cosigned_at=say.code(earlier[-1].cosigned_at)
        )

    clauses = [
        book.message.format(
            id=say.code(message.id),
            precedence=say.precedence(message.precedence),
            kind=say.kind(message.kind),
            sender=say.station(stations[message.sender]),
            created=say.code(message.created),
        )
    ]
    if message.receipt is None:
        clauses.append(book.no_receipt if head is None else absent(book.receipt_absent))
    else:
        clauses.append(
            book.receipt.format(
                receiver=say.station(stations[message.receipt.signer]),
                received=say.code(message.receipt.received),
                delta=say.delta(message.created, message.receipt.received),
            )
            + not_yet(message.receipt.index)
        )
    for ack in message.acknowledgements:
        delta = say.delta(message.created, ack.at, book.after_signed)
        if ack.late_by_s is not None and ack.late_by_s > 0:
            delta += ", " + book.late.format(late=say.duration(ack.late_by_s))
        station = say.station(stations[ack.station])
        if ack.kind == "acknowledgement" and ack.operator:
            clause = book.acknowledged.format(
                operator=say.quoted(ack.operator), station=station, at=say.code(ack.at), delta=delta
            )
        elif ack.kind == "acknowledgement":
            clause = book.acknowledged_by_station.format(station=station, at=say.code(ack.at), delta=delta)
        else:
            clause = book.answered.format(
                station=station, id=say.code(ack.id), kind=say.kind(ack.kind), at=say.code(ack.at), delta=delta
            )
        if ack.note:
            clause += ", " + book.note.format(note=say.quoted(ack.note))
        clauses.append(clause + not_yet(ack.index))
        if ack.receipt is not None:
            template = book.ack_receipt if ack.kind == "acknowledgement" else book.answer_receipt
            clauses.append(
                template.format(
                    receiver=say.station(stations[ack.receipt.signer]), received=say.code(ack.receipt.received)
                )
            )
    if head is not None:
        kinds = {ack.kind == "acknowledgement" for ack in message.acknowledgements}
        if True not in kinds:
            clauses.append(absent(book.ack_absent))
        if False not in kinds:
            clauses.append(book.answer_absent if True not in kinds else absent(book.answer_absent_alone))
    logged = book.logged.format(
        index=say.code(str(message.index)),
        author=author,
        witness=witness,
        cosigned_at=say.code(message.checkpoint.cosigned_at),
    )
    return say.sentence(clauses) + " " + logged


def _checkpoint(say: _Say, report: BundleReport, author: str, witness: str) -> list[str]:
    book = say.book
    head = report.checkpoint
    lines = [
        book.checkpoint.format(
            author=author,
            witness=witness,
            size=say.code(str(head.size)),
            time=say.code(head.time),
            cosigned_at=say.code(head.cosigned_at),
            algorithms=say.code(_ALGORITHMS),
            root=say.code(head.root_base64),
        )
    ]
    earlier: list[CheckpointFacts] = [c for c in report.checkpoints if c.size != head.size]
    if earlier:
        lines.append(book.earlier_checkpoints)
        for facts in earlier:
            item = book.earlier_checkpoint.format(
                size=say.code(str(facts.size)), time=say.code(facts.time), cosigned_at=say.code(facts.cosigned_at)
            )
            lines.append(f"  {item}")
    if head.clock_offset_ms is None:
        lines.append(book.offset_none)
    else:
        template = book.offset_ahead if head.clock_offset_ms >= 0 else book.offset_behind
        lines.append(template.format(other=witness, author=author, offset=say.offset(head.clock_offset_ms)))
        lines.append(book.offset_meaning)
    return lines
