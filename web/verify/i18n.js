// Plain-words texts of the verification page: English, Russian, Tajik, Chinese. {name} is filled from the step or
// the verdict. tests/unit/test_verify_page_files.py fails when a language lacks a key another one has.
export const LANGUAGES = { en: "English", ru: "Русский", tg: "Тоҷикӣ", zh: "中文" };

export const TEXT = {
  en: {
    title: "Was my LuckyMart draw fair?",
    form: {
      lottery: "Lottery ID", ticket: "Your ticket number (optional)", receipt: "Your purchase receipt (optional)",
      run: "Check", language: "Language", other: "Check another lottery, ticket or receipt",
    },
    answer: {
      lottery: "Lottery {id}",
      prize: "{tickets} tickets × {price} {currency}",
      on_sale: "On sale: the draw takes place when the last ticket is sold.",
      sold_out: "Sold out: the draw comes next.",
      drawn: "Drawn {when}",
      winning: "Winning ticket: {number}",
      won: "Your ticket {number} won!",
      lost: "Your ticket {numbers} did not win.",
      lost_many: "Your tickets {numbers} did not win.",
      unverified: "The published result did not pass the checks below, so it cannot be trusted.",
      bring: "Add your receipt or ticket number below to see whether you won.",
      legacy: "Winning ticket recorded by the previous system: {number}",
      cancelled: "Cancelled: there was no draw.",
    },
    draw: {
      fair: "The draw was fair: {passed} checks passed.",
      not_fair: "NOT FAIR: the draw failed a check.",
      not_drawn: "Not drawn yet.",
      on_sale: "Not drawn yet: tickets are still on sale.",
      cancelled: "Cancelled: no draw took place.",
      record_missing: "Draw record missing: the lottery is said to be drawn, but its signed record is not published.",
      legacy: "From the previous system: this draw cannot be checked independently.",
      running: "Checking…",
      error: "Could not check this lottery.",
    },
    draw_reason: {
      fair: "The winner follows from a secret LuckyMart promised before the first sale and from the frozen list of sold tickets: nobody could choose it.",
      record_missing: "Without the record nobody can check who won. Do not treat this draw as verified.",
    },
    ticket: {
      included: "Your receipt is genuine and your tickets are in the draw.",
      not_valid: "Your receipt is NOT valid for this lottery.",
      not_included: "Your receipt is genuine, but your tickets are NOT in the draw.",
      signed: "Your receipt is genuine.",
      ticket_included: "Ticket {numbers} is in the draw.",
      ticket_not_included: "Ticket {numbers} is NOT in the draw.",
      ticket_pending: "Ticket {numbers}: whether it is in the draw can be checked from sell-out.",
    },
    now_later: {
      on_sale: "What you can check now: LuckyMart's signed promise for this draw and your receipt. From sell-out: that your ticket is in the frozen list of sold tickets. After the draw: that the winner follows from the promise and that list.",
      not_drawn: "What you can check now: LuckyMart's signed promise, the frozen list of sold tickets and that your ticket is in it. After the draw: that the winner follows from the promise and that list.",
    },
    details: "How it was checked ({passed} of {total} checks passed)",
    receipt_details: "Receipt checks ({passed} of {total} passed)",
    status: { ok: "passed", fail: "FAILED", running: "running" },
    errors: {
      NOT_FOUND: "There is no lottery with this ID.",
      UNREACHABLE: "LuckyMart could not be reached ({error}). Try again later.",
      other: "{error}",
      no_lottery: "Enter a lottery ID.",
    },
    legacy_reasons: {
      DRAWN_BY_PREVIOUS_SYSTEM: "It was drawn before LuckyMart moved to provably fair draws: there is no fair-draw record to check.",
      CANCELLED_BY_PREVIOUS_SYSTEM: "It was cancelled by the previous system.",
      DRAWN_WITHOUT_WINNER_CANCELLED: "The previous system drew it without recording a winner; it was cancelled at the move and paid tickets were refunded.",
      ON_SALE_CANCELLED_REFUNDED: "It was on sale when LuckyMart moved to the new system; it was cancelled and every paid ticket was refunded.",
    },
    steps: {
      lottery: {
        ok: "Everything checked belongs to this lottery.",
        fail: "The data answered belongs to another lottery ({found}), not to the one asked about.",
        about: "So that another, honestly drawn lottery cannot be passed off as this one.",
      },
      key: {
        ok: "Signed with LuckyMart's published draw key.",
        fail: "Signed with another key ({found}) than LuckyMart's published key ({key}).",
        about: "The key (a 64-character code) is fixed in this page, not taken from the data being checked.",
      },
      commitment_signature: {
        ok: "LuckyMart's promise for this draw, made before the first sale, carries a valid signature.",
        fail: "The signature of LuckyMart's promise (the commitment) is not valid.",
        about: "The commitment is a sealed promise: the fingerprint of the secret number that decides the winner, published before any ticket was sold.",
      },
      entries: {
        ok: "The list of sold tickets was frozen at sell-out: {count} tickets.",
        fail: "The frozen list does not match the promised number of tickets.",
        about: "At sell-out the list got a fingerprint (its Merkle root); changing any ticket would change it.",
      },
      tickets: {
        ok: "The list holds exactly tickets 1 to {count}, each number and each ticket once.",
        fail: "The list is broken at position {seq}: a ticket is missing, repeated or misnumbered.",
        running: "Reading the list: {done} of {count} tickets…",
        about: "Every sold ticket is read and counted here; nothing is skipped.",
      },
      root: {
        ok: "The list matches its frozen fingerprint: no ticket was added, removed or changed.",
        fail: "The list does not match its frozen fingerprint.",
        about: "The fingerprint (Merkle root: one hash built from the hashes of all tickets) is recomputed here from every ticket.",
      },
      draw_signature: {
        ok: "The draw result carries LuckyMart's valid signature.",
        fail: "The signature of the draw result is not valid.",
        about: "Nobody can change the published result without breaking this signature.",
      },
      seed: {
        ok: "The secret revealed at the draw is the one promised before the sale.",
        fail: "The secret revealed at the draw is not the promised one.",
        about: "Its fingerprint (SHA-256) equals the one in the promise, so the secret was fixed before the sale.",
      },
      draw_input: {
        ok: "The draw used this lottery, its number of tickets and the frozen list.",
        fail: "The draw was not computed from this lottery's promised data.",
        about: "The draw input names the lottery, the number of tickets and the fingerprint of the list.",
      },
      hmac: {
        ok: "Recomputed here from the secret: the winner is the ticket at position {seq} of the list.",
        fail: "Recomputing the draw gives another result than the published one.",
        about: "The secret and the list give a random number (HMAC-SHA-256, attempt {counter}); attempts that would favour some positions are skipped, so every ticket had the same chance.",
      },
      winner: {
        ok: "The winning ticket {number} is the ticket at that position.",
        fail: "The published winner is not the ticket the draw picks.",
        about: "The winning ticket's number and ID are compared with the list.",
      },
      legacy_signature: {
        ok: "LuckyMart's statement about this lottery carries a valid signature of its draw key.",
        fail: "There is no validly signed statement that the previous system ran this lottery.",
        about: "Only a statement signed with the published key counts, not a bare claim of the server.",
      },
      legacy_lottery: {
        ok: "The statement names this lottery.",
        fail: "The statement is about another lottery.",
        about: "A statement about one lottery cannot be reused for another.",
      },
      legacy_consistent: {
        ok: "Nothing contradicts it: this lottery has no fair-draw promise, and your receipt, if any, is not from it.",
        fail: "It is contradicted: the new system sold this lottery (its signed promise or your receipt shows it), so it must have a fair-draw record.",
        about: "Every lottery of the new system has a signed promise and signed receipts.",
      },
      receipt_signature: {
        ok: "Your receipt was issued by LuckyMart: its signature is valid.",
        fail: "Your receipt's signature is not valid or comes from another key: it is damaged or not from LuckyMart.",
        unreadable: "Your receipt could not be read: it is not a complete receipt.",
        about: "Each receipt is signed at purchase with LuckyMart's receipt key, fixed in this page.",
      },
      receipt_lottery: {
        ok: "Your receipt is for this lottery and its promise.",
        fail: "Your receipt is for another lottery ({lottery}).",
        about: "A receipt from one lottery proves nothing about another.",
      },
      receipt_order: {
        ok: "Receipt of order {order}: tickets {numbers}.",
        fail: "The receipt's tickets do not fit together, or it is not the receipt of order {wanted}.",
        about: "Each ticket on the receipt carries its own fingerprint, covered by the signature.",
      },
      proofs: {
        ok: "Ticket {numbers} is in the frozen list (checked with {size} hashes, without downloading the list).",
        fail: "Ticket {number} is not in this lottery's frozen list.",
        about: "An inclusion proof: a short chain of hashes that leads from the ticket to the list's fingerprint.",
      },
      receipt_tickets: {
        ok: "Every ticket of your receipt is in the full list, unchanged.",
        fail: "Ticket {number} of your receipt is missing from the list or was changed.",
        about: "Your tickets are found in the full list with the same ticket ID and buyer code.",
      },
    },
  },
  ru: {
    title: "Честно ли прошёл мой розыгрыш LuckyMart?",
    form: {
      lottery: "ID лотереи", ticket: "Номер вашего билета (необязательно)", receipt: "Ваша квитанция о покупке (необязательно)",
      run: "Проверить", language: "Язык", other: "Проверить другую лотерею, билет или квитанцию",
    },
    answer: {
      lottery: "Лотерея {id}",
      prize: "{tickets} билетов × {price} {currency}",
      on_sale: "Идёт продажа: розыгрыш пройдёт, когда будет продан последний билет.",
      sold_out: "Все билеты проданы: скоро розыгрыш.",
      drawn: "Разыграно {when}",
      winning: "Выигрышный билет: {number}",
      won: "Ваш билет {number} выиграл!",
      lost: "Ваш билет {numbers} не выиграл.",
      lost_many: "Ваши билеты {numbers} не выиграли.",
      unverified: "Опубликованный результат не прошёл проверки ниже, доверять ему нельзя.",
      bring: "Добавьте ниже квитанцию или номер билета, чтобы узнать, выиграли ли вы.",
      legacy: "Выигрышный билет по данным прежней системы: {number}",
      cancelled: "Отменено: розыгрыша не было.",
    },
    draw: {
      fair: "Розыгрыш честный: все проверки пройдены ({passed}).",
      not_fair: "НЕ ЧЕСТНО: розыгрыш не прошёл проверку.",
      not_drawn: "Розыгрыш ещё не проведён.",
      on_sale: "Розыгрыш ещё не проведён: билеты ещё продаются.",
      cancelled: "Отменено: розыгрыш не проводился.",
      record_missing: "Нет записи розыгрыша: лотерея считается разыгранной, но её подписанная запись не опубликована.",
      legacy: "Из прежней системы: этот розыгрыш нельзя проверить независимо.",
      running: "Проверяем…",
      error: "Не удалось проверить эту лотерею.",
    },
    draw_reason: {
      fair: "Победитель определён секретом, который LuckyMart пообещала до первой продажи, и зафиксированным списком проданных билетов: выбрать его не мог никто.",
      record_missing: "Без записи никто не может проверить, кто выиграл. Не считайте этот розыгрыш проверенным.",
    },
    ticket: {
      included: "Ваша квитанция подлинная, и ваши билеты участвуют в розыгрыше.",
      not_valid: "Ваша квитанция НЕ действительна для этой лотереи.",
      not_included: "Ваша квитанция подлинная, но ваших билетов НЕТ в розыгрыше.",
      signed: "Ваша квитанция подлинная.",
      ticket_included: "Билет {numbers} участвует в розыгрыше.",
      ticket_not_included: "Билета {numbers} НЕТ в розыгрыше.",
      ticket_pending: "Билет {numbers}: участие можно проверить после продажи всех билетов.",
    },
    now_later: {
      on_sale: "Что можно проверить сейчас: подписанное обещание LuckyMart для этого розыгрыша и вашу квитанцию. После продажи всех билетов: что ваш билет есть в зафиксированном списке проданных билетов. После розыгрыша: что победитель следует из обещания и этого списка.",
      not_drawn: "Что можно проверить сейчас: подписанное обещание LuckyMart, зафиксированный список проданных билетов и то, что ваш билет в нём есть. После розыгрыша: что победитель следует из обещания и этого списка.",
    },
    details: "Как это проверено (пройдено {passed} из {total})",
    receipt_details: "Проверки квитанции (пройдено {passed} из {total})",
    status: { ok: "пройдено", fail: "ОШИБКА", running: "идёт" },
    errors: {
      NOT_FOUND: "Лотереи с таким ID нет.",
      UNREACHABLE: "Не удалось связаться с LuckyMart ({error}). Попробуйте позже.",
      other: "{error}",
      no_lottery: "Введите ID лотереи.",
    },
    legacy_reasons: {
      DRAWN_BY_PREVIOUS_SYSTEM: "Её разыграли до перехода LuckyMart на доказуемо честные розыгрыши: записи честного розыгрыша для проверки нет.",
      CANCELLED_BY_PREVIOUS_SYSTEM: "Её отменила прежняя система.",
      DRAWN_WITHOUT_WINNER_CANCELLED: "Прежняя система разыграла её, не записав победителя; при переходе она отменена, оплаченные билеты возвращены.",
      ON_SALE_CANCELLED_REFUNDED: "Она продавалась в момент перехода LuckyMart на новую систему; её отменили и вернули деньги за каждый оплаченный билет.",
    },
    steps: {
      lottery: {
        ok: "Всё проверенное относится к этой лотерее.",
        fail: "Полученные данные относятся к другой лотерее ({found}), а не к запрошенной.",
        about: "Чтобы другую, честно разыгранную лотерею нельзя было выдать за эту.",
      },
      key: {
        ok: "Подписано опубликованным ключом розыгрышей LuckyMart.",
        fail: "Подписано другим ключом ({found}), а не опубликованным ключом LuckyMart ({key}).",
        about: "Ключ (код из 64 символов) закреплён в этой странице, а не берётся из проверяемых данных.",
      },
      commitment_signature: {
        ok: "Обещание LuckyMart для этого розыгрыша, данное до первой продажи, имеет верную подпись.",
        fail: "Подпись обещания LuckyMart (обязательства) неверна.",
        about: "Обязательство — это запечатанное обещание: отпечаток секретного числа, которое определяет победителя, опубликованный до продажи первого билета.",
      },
      entries: {
        ok: "Список проданных билетов зафиксирован при распродаже: {count} билетов.",
        fail: "Зафиксированный список не совпадает с обещанным числом билетов.",
        about: "При распродаже список получил отпечаток (корень Меркла); изменение любого билета изменило бы его.",
      },
      tickets: {
        ok: "В списке ровно билеты с 1 по {count}, каждый номер и каждый билет — по одному разу.",
        fail: "Список нарушен на позиции {seq}: билет пропущен, повторён или неверно пронумерован.",
        running: "Читаем список: {done} из {count} билетов…",
        about: "Здесь прочитан и посчитан каждый проданный билет, ничего не пропущено.",
      },
      root: {
        ok: "Список совпадает со своим зафиксированным отпечатком: ни один билет не добавлен, не удалён и не изменён.",
        fail: "Список не совпадает со своим зафиксированным отпечатком.",
        about: "Отпечаток (корень Меркла: один хеш, построенный из хешей всех билетов) пересчитан здесь по каждому билету.",
      },
      draw_signature: {
        ok: "Результат розыгрыша имеет верную подпись LuckyMart.",
        fail: "Подпись результата розыгрыша неверна.",
        about: "Никто не может изменить опубликованный результат, не нарушив эту подпись.",
      },
      seed: {
        ok: "Секрет, раскрытый при розыгрыше, — тот самый, что был обещан до продажи.",
        fail: "Раскрытый при розыгрыше секрет — не тот, что был обещан.",
        about: "Его отпечаток (SHA-256) совпадает с отпечатком в обещании, значит секрет был выбран до продажи.",
      },
      draw_input: {
        ok: "Розыгрыш использовал эту лотерею, число её билетов и зафиксированный список.",
        fail: "Розыгрыш вычислен не из обещанных данных этой лотереи.",
        about: "Входные данные розыгрыша называют лотерею, число билетов и отпечаток списка.",
      },
      hmac: {
        ok: "Пересчитано здесь из секрета: победитель — билет на позиции {seq} списка.",
        fail: "Пересчёт розыгрыша даёт другой результат, чем опубликованный.",
        about: "Секрет и список дают случайное число (HMAC-SHA-256, попытка {counter}); попытки, которые дали бы преимущество каким-то позициям, отбрасываются, поэтому у каждого билета был одинаковый шанс.",
      },
      winner: {
        ok: "Выигрышный билет {number} — это билет на этой позиции.",
        fail: "Опубликованный победитель — не тот билет, который выбирает розыгрыш.",
        about: "Номер и ID выигрышного билета сверены со списком.",
      },
      legacy_signature: {
        ok: "Заявление LuckyMart об этой лотерее имеет верную подпись ключом розыгрышей.",
        fail: "Нет действительно подписанного заявления о том, что эту лотерею провела прежняя система.",
        about: "Считается только заявление, подписанное опубликованным ключом, а не простое утверждение сервера.",
      },
      legacy_lottery: {
        ok: "Заявление относится к этой лотерее.",
        fail: "Заявление относится к другой лотерее.",
        about: "Заявление об одной лотерее нельзя использовать для другой.",
      },
      legacy_consistent: {
        ok: "Ничто ему не противоречит: у этой лотереи нет обещания честного розыгрыша, а ваша квитанция, если она есть, не от неё.",
        fail: "Ему есть противоречие: эту лотерею продавала новая система (это показывает её подписанное обещание или ваша квитанция), значит у неё должна быть запись честного розыгрыша.",
        about: "У каждой лотереи новой системы есть подписанное обещание и подписанные квитанции.",
      },
      receipt_signature: {
        ok: "Вашу квитанцию выдала LuckyMart: её подпись верна.",
        fail: "Подпись вашей квитанции неверна или сделана другим ключом: квитанция повреждена или выдана не LuckyMart.",
        unreadable: "Вашу квитанцию не удалось прочитать: это не полная квитанция.",
        about: "Каждая квитанция подписывается при покупке ключом квитанций LuckyMart, закреплённым в этой странице.",
      },
      receipt_lottery: {
        ok: "Ваша квитанция относится к этой лотерее и её обещанию.",
        fail: "Ваша квитанция относится к другой лотерее ({lottery}).",
        about: "Квитанция одной лотереи ничего не доказывает о другой.",
      },
      receipt_order: {
        ok: "Квитанция заказа {order}: билеты {numbers}.",
        fail: "Билеты квитанции не согласуются между собой, или это не квитанция заказа {wanted}.",
        about: "У каждого билета в квитанции свой отпечаток, защищённый подписью.",
      },
      proofs: {
        ok: "Билет {numbers} есть в зафиксированном списке (проверено {size} хешами, без загрузки списка).",
        fail: "Билета {number} нет в зафиксированном списке этой лотереи.",
        about: "Доказательство включения: короткая цепочка хешей от билета к отпечатку списка.",
      },
      receipt_tickets: {
        ok: "Каждый билет вашей квитанции есть в полном списке без изменений.",
        fail: "Билета {number} из вашей квитанции нет в списке, или он изменён.",
        about: "Ваши билеты найдены в полном списке с тем же ID билета и кодом покупателя.",
      },
    },
  },
  tg: {
    title: "Оё қуръакашии LuckyMart-и ман одилона буд?",
    form: {
      lottery: "ID-и лотерея", ticket: "Рақами чиптаи шумо (ихтиёрӣ)", receipt: "Квитансияи хариди шумо (ихтиёрӣ)",
      run: "Санҷидан", language: "Забон", other: "Лотерея, чипта ё квитансияи дигарро санҷед",
    },
    answer: {
      lottery: "Лотереяи {id}",
      prize: "{tickets} чипта × {price} {currency}",
      on_sale: "Фурӯш идома дорад: қуръакашӣ ҳангоми фурӯши чиптаи охирин мегузарад.",
      sold_out: "Ҳамаи чиптаҳо фурӯхта шуданд: қуръакашӣ дар пеш аст.",
      drawn: "Қуръакашӣ: {when}",
      winning: "Чиптаи бурднок: {number}",
      won: "Чиптаи шумо {number} бурд кард!",
      lost: "Чиптаи шумо {numbers} бурд накард.",
      lost_many: "Чиптаҳои шумо {numbers} бурд накарданд.",
      unverified: "Натиҷаи интишоршуда санҷишҳои поёнро нагузашт, ба он бовар кардан мумкин нест.",
      bring: "Барои донистани он ки бурдед ё не, дар поён квитансия ё рақами чиптаро илова кунед.",
      legacy: "Чиптаи бурднок аз рӯи маълумоти низоми пешина: {number}",
      cancelled: "Бекор шуд: қуръакашӣ набуд.",
    },
    draw: {
      fair: "Қуръакашӣ одилона буд: {passed} санҷиш гузашт.",
      not_fair: "ОДИЛОНА НЕСТ: қуръакашӣ санҷишро нагузашт.",
      not_drawn: "Қуръакашӣ ҳанӯз нашудааст.",
      on_sale: "Қуръакашӣ ҳанӯз нашудааст: чиптаҳо ҳанӯз фурӯхта мешаванд.",
      cancelled: "Бекор шуд: қуръакашӣ нагузашт.",
      record_missing: "Сабти қуръакашӣ нест: гуфта мешавад, ки қуръакашӣ шудааст, аммо сабти имзошудаи он интишор нашудааст.",
      legacy: "Аз низоми пешина: ин қуръакаширо мустақилона санҷидан мумкин нест.",
      running: "Санҷиш…",
      error: "Ин лотереяро санҷидан нашуд.",
    },
    draw_reason: {
      fair: "Ғолиб аз сирре, ки LuckyMart пеш аз фурӯши аввал ваъда дода буд, ва аз рӯйхати собитшудаи чиптаҳои фурӯхташуда бармеояд: ҳеҷ кас онро интихоб карда наметавонист.",
      record_missing: "Бе сабт ҳеҷ кас санҷида наметавонад, ки кӣ бурд. Ин қуръакаширо санҷидашуда ҳисоб накунед.",
    },
    ticket: {
      included: "Квитансияи шумо ҳақиқӣ аст ва чиптаҳои шумо дар қуръакашӣ ҳастанд.",
      not_valid: "Квитансияи шумо барои ин лотерея эътибор НАДОРАД.",
      not_included: "Квитансияи шумо ҳақиқӣ аст, аммо чиптаҳои шумо дар қуръакашӣ НЕСТАНД.",
      signed: "Квитансияи шумо ҳақиқӣ аст.",
      ticket_included: "Чиптаи {numbers} дар қуръакашӣ ҳаст.",
      ticket_not_included: "Чиптаи {numbers} дар қуръакашӣ НЕСТ.",
      ticket_pending: "Чиптаи {numbers}: иштироки онро пас аз фурӯши ҳамаи чиптаҳо санҷидан мумкин аст.",
    },
    now_later: {
      on_sale: "Ҳоло санҷидан мумкин аст: ваъдаи имзошудаи LuckyMart барои ин қуръакашӣ ва квитансияи шумо. Пас аз фурӯши ҳамаи чиптаҳо: ки чиптаи шумо дар рӯйхати собитшудаи чиптаҳои фурӯхташуда ҳаст. Пас аз қуръакашӣ: ки ғолиб аз ваъда ва ҳамин рӯйхат бармеояд.",
      not_drawn: "Ҳоло санҷидан мумкин аст: ваъдаи имзошудаи LuckyMart, рӯйхати собитшудаи чиптаҳои фурӯхташуда ва ки чиптаи шумо дар он ҳаст. Пас аз қуръакашӣ: ки ғолиб аз ваъда ва ҳамин рӯйхат бармеояд.",
    },
    details: "Чӣ тавр санҷида шуд ({passed} аз {total} санҷиш гузашт)",
    receipt_details: "Санҷишҳои квитансия ({passed} аз {total} гузашт)",
    status: { ok: "гузашт", fail: "ХАТО", running: "дар ҷараён" },
    errors: {
      NOT_FOUND: "Лотерея бо ин ID вуҷуд надорад.",
      UNREACHABLE: "Бо LuckyMart пайваст шудан нашуд ({error}). Баъдтар кӯшиш кунед.",
      other: "{error}",
      no_lottery: "ID-и лотереяро ворид кунед.",
    },
    legacy_reasons: {
      DRAWN_BY_PREVIOUS_SYSTEM: "Он пеш аз гузаштани LuckyMart ба қуръакашиҳои исботшавандаи одилона бозӣ шудааст: сабти қуръакашии одилона барои санҷиш нест.",
      CANCELLED_BY_PREVIOUS_SYSTEM: "Онро низоми пешина бекор кардааст.",
      DRAWN_WITHOUT_WINNER_CANCELLED: "Низоми пешина онро бе сабти ғолиб бозӣ кардааст; ҳангоми гузариш бекор шуд ва пули чиптаҳои пардохтшуда баргардонида шуд.",
      ON_SALE_CANCELLED_REFUNDED: "Он ҳангоми гузаштани LuckyMart ба низоми нав дар фурӯш буд; бекор шуд ва пули ҳар чиптаи пардохтшуда баргардонида шуд.",
    },
    steps: {
      lottery: {
        ok: "Ҳама чизи санҷидашуда ба ҳамин лотерея тааллуқ дорад.",
        fail: "Маълумоти гирифташуда ба лотереяи дигар ({found}) тааллуқ дорад, на ба лотереяи пурсидашуда.",
        about: "То лотереяи дигари одилона бозишударо ба ҷои ин лотерея нишон дода натавонанд.",
      },
      key: {
        ok: "Бо калиди интишоршудаи қуръакашии LuckyMart имзо шудааст.",
        fail: "Бо калиди дигар ({found}) имзо шудааст, на бо калиди интишоршудаи LuckyMart ({key}).",
        about: "Калид (рамзи 64-аломатӣ) дар ин саҳифа собит аст ва аз маълумоти санҷидашаванда гирифта намешавад.",
      },
      commitment_signature: {
        ok: "Ваъдаи LuckyMart барои ин қуръакашӣ, ки пеш аз фурӯши аввал дода шуда буд, имзои дуруст дорад.",
        fail: "Имзои ваъдаи LuckyMart (ӯҳдадорӣ) нодуруст аст.",
        about: "Ӯҳдадорӣ ваъдаи мӯҳршуда аст: изи рақами махфие, ки ғолибро муайян мекунад, пеш аз фурӯши чиптаи аввал интишор шудааст.",
      },
      entries: {
        ok: "Рӯйхати чиптаҳои фурӯхташуда ҳангоми пурра фурӯхта шудан собит шуд: {count} чипта.",
        fail: "Рӯйхати собитшуда ба шумораи ваъдашудаи чиптаҳо мувофиқ нест.",
        about: "Ҳангоми пурра фурӯхта шудан рӯйхат изи худро (решаи Меркл) гирифт; тағйири ҳар як чипта онро тағйир медод.",
      },
      tickets: {
        ok: "Дар рӯйхат маҳз чиптаҳои аз 1 то {count} ҳастанд, ҳар рақам ва ҳар чипта як маротиба.",
        fail: "Рӯйхат дар мавқеи {seq} вайрон аст: чипта намерасад, такрор шудааст ё рақамаш нодуруст аст.",
        running: "Хондани рӯйхат: {done} аз {count} чипта…",
        about: "Дар ин ҷо ҳар чиптаи фурӯхташуда хонда ва шумурда мешавад, ҳеҷ чиз партофта намешавад.",
      },
      root: {
        ok: "Рӯйхат ба изи собитшудаи худ мувофиқ аст: ягон чипта илова, хориҷ ё тағйир дода нашудааст.",
        fail: "Рӯйхат ба изи собитшудаи худ мувофиқ нест.",
        about: "Из (решаи Меркл: як хеше, ки аз хешҳои ҳамаи чиптаҳо сохта мешавад) дар ин ҷо аз ҳар чипта аз нав ҳисоб карда мешавад.",
      },
      draw_signature: {
        ok: "Натиҷаи қуръакашӣ имзои дурусти LuckyMart-ро дорад.",
        fail: "Имзои натиҷаи қуръакашӣ нодуруст аст.",
        about: "Ҳеҷ кас натиҷаи интишоршударо бе вайрон кардани ин имзо тағйир дода наметавонад.",
      },
      seed: {
        ok: "Сирре, ки ҳангоми қуръакашӣ ошкор шуд, ҳамонест, ки пеш аз фурӯш ваъда шуда буд.",
        fail: "Сирри ҳангоми қуръакашӣ ошкоршуда он сирри ваъдашуда нест.",
        about: "Изи он (SHA-256) ба изи дар ваъда бударо мувофиқ аст, пас сирр пеш аз фурӯш интихоб шуда буд.",
      },
      draw_input: {
        ok: "Қуръакашӣ ҳамин лотерея, шумораи чиптаҳои он ва рӯйхати собитшударо истифода бурд.",
        fail: "Қуръакашӣ аз маълумоти ваъдашудаи ин лотерея ҳисоб нашудааст.",
        about: "Маълумоти вуруди қуръакашӣ лотерея, шумораи чиптаҳо ва изи рӯйхатро номбар мекунад.",
      },
      hmac: {
        ok: "Дар ин ҷо аз сирр аз нав ҳисоб карда шуд: ғолиб чиптаи мавқеи {seq}-и рӯйхат аст.",
        fail: "Ҳисоби дубораи қуръакашӣ натиҷаи дигар медиҳад, на натиҷаи интишоршударо.",
        about: "Сирр ва рӯйхат рақами тасодуфӣ медиҳанд (HMAC-SHA-256, кӯшиши {counter}); кӯшишҳое, ки ба баъзе мавқеъҳо бартарӣ медоданд, партофта мешаванд, бинобар ин ҳар чипта имконияти баробар дошт.",
      },
      winner: {
        ok: "Чиптаи бурдноки {number} ҳамон чиптаи ин мавқеъ аст.",
        fail: "Ғолиби интишоршуда он чиптае нест, ки қуръакашӣ интихоб мекунад.",
        about: "Рақам ва ID-и чиптаи бурднок бо рӯйхат муқоиса карда мешаванд.",
      },
      legacy_signature: {
        ok: "Изҳороти LuckyMart дар бораи ин лотерея имзои дурусти калиди қуръакаширо дорад.",
        fail: "Изҳороти дуруст имзошуда дар бораи он ки ин лотереяро низоми пешина гузаронидааст, нест.",
        about: "Танҳо изҳороти бо калиди интишоршуда имзошуда ҳисоб меравад, на иддаои оддии сервер.",
      },
      legacy_lottery: {
        ok: "Изҳорот ба ҳамин лотерея дахл дорад.",
        fail: "Изҳорот ба лотереяи дигар дахл дорад.",
        about: "Изҳорот дар бораи як лотерея барои лотереяи дигар истифода шуда наметавонад.",
      },
      legacy_consistent: {
        ok: "Ҳеҷ чиз ба он зид нест: ин лотерея ваъдаи қуръакашии одилона надорад ва квитансияи шумо, агар бошад, аз он нест.",
        fail: "Ба он зиддият ҳаст: ин лотереяро низоми нав фурӯхтааст (ваъдаи имзошудаи он ё квитансияи шумо инро нишон медиҳад), пас бояд сабти қуръакашии одилона дошта бошад.",
        about: "Ҳар лотереяи низоми нав ваъдаи имзошуда ва квитансияҳои имзошуда дорад.",
      },
      receipt_signature: {
        ok: "Квитансияи шуморо LuckyMart додааст: имзои он дуруст аст.",
        fail: "Имзои квитансияи шумо нодуруст аст ё аз калиди дигар аст: квитансия вайрон шудааст ё аз LuckyMart нест.",
        unreadable: "Квитансияи шуморо хондан нашуд: ин квитансияи пурра нест.",
        about: "Ҳар квитансия ҳангоми харид бо калиди квитансияҳои LuckyMart, ки дар ин саҳифа собит аст, имзо мешавад.",
      },
      receipt_lottery: {
        ok: "Квитансияи шумо ба ҳамин лотерея ва ваъдаи он тааллуқ дорад.",
        fail: "Квитансияи шумо ба лотереяи дигар ({lottery}) тааллуқ дорад.",
        about: "Квитансияи як лотерея дар бораи лотереяи дигар чизе исбот намекунад.",
      },
      receipt_order: {
        ok: "Квитансияи фармоиши {order}: чиптаҳои {numbers}.",
        fail: "Чиптаҳои квитансия ба ҳам мувофиқ нестанд, ё ин квитансияи фармоиши {wanted} нест.",
        about: "Ҳар чиптаи квитансия изи худро дорад, ки бо имзо ҳифз шудааст.",
      },
      proofs: {
        ok: "Чиптаи {numbers} дар рӯйхати собитшуда ҳаст (бо {size} хеш санҷида шуд, бе боргирии рӯйхат).",
        fail: "Чиптаи {number} дар рӯйхати собитшудаи ин лотерея нест.",
        about: "Далели дохилшавӣ: занҷири кӯтоҳи хешҳо, ки аз чипта ба изи рӯйхат мебарад.",
      },
      receipt_tickets: {
        ok: "Ҳар чиптаи квитансияи шумо бетағйир дар рӯйхати пурра ҳаст.",
        fail: "Чиптаи {number} аз квитансияи шумо дар рӯйхат нест ё тағйир дода шудааст.",
        about: "Чиптаҳои шумо дар рӯйхати пурра бо ҳамон ID-и чипта ва рамзи харидор ёфт шуданд.",
      },
    },
  },
  zh: {
    title: "我的 LuckyMart 开奖公平吗？",
    form: {
      lottery: "抽奖 ID", ticket: "您的票号（可选）", receipt: "您的购买凭证（可选）",
      run: "验证", language: "语言", other: "验证其他抽奖、票号或凭证",
    },
    answer: {
      lottery: "抽奖 {id}",
      prize: "{tickets} 张票 × {price} {currency}",
      on_sale: "销售中：最后一张票售出后开奖。",
      sold_out: "已售罄：即将开奖。",
      drawn: "开奖时间：{when}",
      winning: "中奖票号：{number}",
      won: "您的票 {number} 中奖了！",
      lost: "您的票 {numbers} 未中奖。",
      lost_many: "您的票 {numbers} 均未中奖。",
      unverified: "公布的结果未通过下方的检查，不可信。",
      bring: "在下方添加您的凭证或票号，即可查看是否中奖。",
      legacy: "旧系统记录的中奖票号：{number}",
      cancelled: "已取消：没有开奖。",
    },
    draw: {
      fair: "开奖公平：已通过 {passed} 项检查。",
      not_fair: "不公平：开奖未通过检查。",
      not_drawn: "尚未开奖。",
      on_sale: "尚未开奖：票仍在销售中。",
      cancelled: "已取消：没有进行开奖。",
      record_missing: "缺少开奖记录：据称已开奖，但未公布其签名记录。",
      legacy: "来自旧系统：此次开奖无法独立验证。",
      running: "正在验证…",
      error: "无法验证此抽奖。",
    },
    draw_reason: {
      fair: "中奖者由 LuckyMart 在首张票售出前承诺的密值和冻结的已售票单决定：任何人都无法选择。",
      record_missing: "没有记录，任何人都无法核实谁中奖。请勿将此次开奖视为已验证。",
    },
    ticket: {
      included: "您的凭证真实有效，您的票参与了开奖。",
      not_valid: "您的凭证对此抽奖无效。",
      not_included: "您的凭证真实有效，但您的票未参与开奖。",
      signed: "您的凭证真实有效。",
      ticket_included: "票 {numbers} 参与了开奖。",
      ticket_not_included: "票 {numbers} 未参与开奖。",
      ticket_pending: "票 {numbers}：售罄后即可验证其是否参与开奖。",
    },
    now_later: {
      on_sale: "现在可以验证：LuckyMart 为本次开奖签名的承诺和您的凭证。售罄后：您的票在冻结的已售票单中。开奖后：中奖者由承诺和该票单决定。",
      not_drawn: "现在可以验证：LuckyMart 签名的承诺、冻结的已售票单以及您的票在其中。开奖后：中奖者由承诺和该票单决定。",
    },
    details: "验证过程（{total} 项中通过 {passed} 项）",
    receipt_details: "凭证检查（{total} 项中通过 {passed} 项）",
    status: { ok: "通过", fail: "失败", running: "进行中" },
    errors: {
      NOT_FOUND: "没有此 ID 的抽奖。",
      UNREACHABLE: "无法连接 LuckyMart（{error}），请稍后再试。",
      other: "{error}",
      no_lottery: "请输入抽奖 ID。",
    },
    legacy_reasons: {
      DRAWN_BY_PREVIOUS_SYSTEM: "它在 LuckyMart 改用可证明公平的开奖之前开奖：没有可供验证的公平开奖记录。",
      CANCELLED_BY_PREVIOUS_SYSTEM: "它已被旧系统取消。",
      DRAWN_WITHOUT_WINNER_CANCELLED: "旧系统开奖时未记录中奖者；迁移时已取消，已付款的票均已退款。",
      ON_SALE_CANCELLED_REFUNDED: "LuckyMart 迁移到新系统时它仍在销售中；已取消，每张已付款的票均已退款。",
    },
    steps: {
      lottery: {
        ok: "所检查的一切都属于此抽奖。",
        fail: "返回的数据属于另一个抽奖（{found}），而不是所查询的抽奖。",
        about: "以免把另一个公平开奖的抽奖冒充为本抽奖。",
      },
      key: {
        ok: "由 LuckyMart 公布的开奖密钥签名。",
        fail: "由另一个密钥（{found}）签名，而不是 LuckyMart 公布的密钥（{key}）。",
        about: "密钥（64 位字符的代码）固定在本页面中，而不是取自被检查的数据。",
      },
      commitment_signature: {
        ok: "LuckyMart 在首张票售出前为本次开奖作出的承诺带有有效签名。",
        fail: "LuckyMart 承诺（commitment）的签名无效。",
        about: "承诺是一份密封的保证：决定中奖者的秘密数字的指纹，在任何票售出前公布。",
      },
      entries: {
        ok: "已售票单在售罄时冻结：共 {count} 张票。",
        fail: "冻结的票单与承诺的票数不符。",
        about: "售罄时票单获得一个指纹（默克尔根）；改动任何一张票都会改变它。",
      },
      tickets: {
        ok: "票单恰好包含第 1 至 {count} 张票，每个票号和每张票各出现一次。",
        fail: "票单在位置 {seq} 出错：有票缺失、重复或编号错误。",
        running: "正在读取票单：{done} / {count} 张…",
        about: "此处读取并清点了每一张已售出的票，没有遗漏。",
      },
      root: {
        ok: "票单与其冻结的指纹一致：没有票被添加、删除或更改。",
        fail: "票单与其冻结的指纹不一致。",
        about: "指纹（默克尔根：由所有票的哈希构成的一个哈希）在此处根据每张票重新计算。",
      },
      draw_signature: {
        ok: "开奖结果带有 LuckyMart 的有效签名。",
        fail: "开奖结果的签名无效。",
        about: "任何人都无法在不破坏此签名的情况下更改公布的结果。",
      },
      seed: {
        ok: "开奖时公开的密值正是开售前承诺的那个。",
        fail: "开奖时公开的密值不是承诺的那个。",
        about: "它的指纹（SHA-256）与承诺中的一致，所以密值在开售前就已确定。",
      },
      draw_input: {
        ok: "开奖使用了本抽奖、其票数和冻结的票单。",
        fail: "开奖并非根据本抽奖承诺的数据计算。",
        about: "开奖输入包含抽奖、票数和票单的指纹。",
      },
      hmac: {
        ok: "已在此处用密值重新计算：中奖者是票单中第 {seq} 位的票。",
        fail: "重新计算的开奖结果与公布的不同。",
        about: "密值和票单生成一个随机数（HMAC-SHA-256，第 {counter} 次尝试）；会偏向某些位置的尝试被舍弃，因此每张票的机会相同。",
      },
      winner: {
        ok: "中奖票 {number} 正是该位置的票。",
        fail: "公布的中奖者不是开奖选出的票。",
        about: "中奖票的票号和 ID 已与票单核对。",
      },
      legacy_signature: {
        ok: "LuckyMart 关于此抽奖的声明带有其开奖密钥的有效签名。",
        fail: "没有有效签名的声明表明此抽奖由旧系统进行。",
        about: "只有用公布的密钥签名的声明才算数，服务器的单纯说法不算。",
      },
      legacy_lottery: {
        ok: "该声明针对此抽奖。",
        fail: "该声明针对另一个抽奖。",
        about: "关于一个抽奖的声明不能用于另一个抽奖。",
      },
      legacy_consistent: {
        ok: "没有与之矛盾的内容：此抽奖没有公平开奖承诺，您的凭证（如有）也不属于它。",
        fail: "存在矛盾：此抽奖由新系统销售（其签名承诺或您的凭证可以证明），因此必须有公平开奖记录。",
        about: "新系统的每个抽奖都有签名承诺和签名凭证。",
      },
      receipt_signature: {
        ok: "您的凭证由 LuckyMart 签发：签名有效。",
        fail: "您的凭证签名无效或来自其他密钥：凭证已损坏或并非 LuckyMart 签发。",
        unreadable: "无法读取您的凭证：这不是完整的凭证。",
        about: "每张凭证在购买时都用 LuckyMart 的凭证密钥签名，该密钥固定在本页面中。",
      },
      receipt_lottery: {
        ok: "您的凭证属于此抽奖及其承诺。",
        fail: "您的凭证属于另一个抽奖（{lottery}）。",
        about: "一个抽奖的凭证不能证明另一个抽奖的任何事情。",
      },
      receipt_order: {
        ok: "订单 {order} 的凭证：票 {numbers}。",
        fail: "凭证上的票互不一致，或这不是订单 {wanted} 的凭证。",
        about: "凭证上的每张票都有自己的指纹，受签名保护。",
      },
      proofs: {
        ok: "票 {numbers} 在冻结的票单中（用 {size} 个哈希验证，无需下载票单）。",
        fail: "票 {number} 不在此抽奖冻结的票单中。",
        about: "包含证明：从票到票单指纹的一条简短哈希链。",
      },
      receipt_tickets: {
        ok: "您凭证上的每张票都在完整票单中，且未被更改。",
        fail: "您凭证上的票 {number} 不在票单中或已被更改。",
        about: "在完整票单中找到了您的票，票 ID 和买家代码均相同。",
      },
    },
  },
};

export function pickLanguage(requested) {
  const wanted = [requested, ...(navigator.languages || [navigator.language || "en"])];
  for (const tag of wanted) {
    const code = String(tag || "").toLowerCase().slice(0, 2);
    if (TEXT[code]) return code;
  }
  return "en";
}

export const fill = (template, params) =>
  String(template).replace(/\{(\w+)\}/g, (_, name) => (params && params[name] !== undefined && params[name] !== null ? String(params[name]) : ""));
