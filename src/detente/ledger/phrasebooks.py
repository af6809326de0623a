"""The phrasebooks of the statements of what an evidence bundle proves: one per language (tr,
ar, en, ru), with the names of notification kinds and precedences.

Declarative data: :mod:`detente.ledger.statements` fills the templates (the fields in braces)
with isolated values; the verifier page (:mod:`detente.ledger.verifier_page`) carries the same
phrasebooks, so that both say what a bundle proves in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALGORITHMS",
    "FORMAT_NAME",
    "KIND_NAMES",
    "PHRASEBOOKS",
    "PRECEDENCE_NAMES",
    "Phrasebook",
]


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
    invisible: str
    """Said at the end when a value held invisible or direction-changing characters (shown as ⟨U+…⟩)."""
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
    invisible=(
        "Some names or texts above held invisible or direction-changing characters; each is shown "
        "as ⟨U+…⟩ (its code point), never applied."
    ),
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
    invisible=(
        "Yukarıdaki bazı adlar veya metinler görünmez ya da yön değiştiren karakterler içeriyordu; "
        "her biri uygulanmadan ⟨U+…⟩ (kod noktası) olarak gösterilmiştir."
    ),
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
    invisible=(
        "احتوت بعض الأسماء أو النصوص أعلاه على محارف غير مرئية أو محارف تغيّر اتجاه النص؛ يُعرض "
        "كلٌّ منها بالشكل ⟨U+…⟩ (رمز المحرف) ولا يُطبَّق."
    ),
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
    invisible=(
        "Некоторые имена или тексты выше содержали невидимые символы или символы смены направления "
        "текста; каждый показан как ⟨U+…⟩ (его кодовая точка) и не применён."
    ),
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

ALGORITHMS = "Ed25519 + ML-DSA-65"
FORMAT_NAME = "detente-evidence-bundle/1"
