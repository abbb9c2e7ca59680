// Plain-words texts of the verification page: English, Russian, Tajik, Chinese. {name} is filled from the step.
export const LANGUAGES = { en: "English", ru: "Русский", tg: "Тоҷикӣ", zh: "中文" };

export const TEXT = {
  en: {
    title: "Check a LuckyMart draw yourself",
    intro: "This page checks in your browser that the winner follows from data fixed before the sale and from the sold tickets. Nothing is installed; only public data is read.",
    lottery: "Lottery ID", ticket: "Your ticket number (optional)", receipt: "Your purchase receipt (optional)",
    run: "Check", language: "Language",
    status: { ok: "passed", fail: "FAILED", skip: "not needed", pending: "later", running: "running", waiting: "…" },
    verdict: {
      valid: "VALID: every check passed.", invalid: "NOT VALID: a check failed, see below.",
      waiting: "Not sold out yet: the ticket list is frozen when the last ticket is sold.",
      running: "Checking…", legacy: "Drawn by the previous system, not independently verifiable.", error: "Could not check: {error}",
    },
    steps: {
      key: ["The lottery is signed with the published operator key ({key}).", "The lottery is signed with another key ({found}) than the published one ({key})."],
      commitment_signature: ["The promise made before the first sale (the commitment) carries a valid operator signature.", "The signature of the commitment is not valid."],
      entries: ["The ticket list was frozen at sell-out: {count} tickets, fingerprint (Merkle root) {root}.", "The frozen list does not match the promised number of tickets."],
      receipt_signature: ["Your receipt is signed with LuckyMart's receipt key.", "Your receipt's signature is not valid or comes from another key."],
      receipt_lottery: ["Your receipt belongs to this lottery and its commitment.", "Your receipt belongs to another lottery or commitment."],
      proofs: ["Inclusion proof: ticket(s) {numbers} are in the frozen list (at most {size} hashes each, without downloading the list).", "The inclusion proof of ticket {number} does not lead to the frozen fingerprint."],
      tickets: ["The list holds exactly tickets 1 to {count}, each number once and each ticket ID once.", "The list is broken at position {seq}: a ticket is missing, repeated or misnumbered.", "Reading the list: {done} of {count} tickets…"],
      receipt_tickets: ["Every ticket on your receipt is in the list, unchanged.", "Ticket {number} from your receipt is missing from the list or was changed."],
      root: ["The list hashes to the frozen fingerprint: no ticket was added, removed or changed.", "The list does not hash to the frozen fingerprint."],
      draw_signature: ["The draw result carries a valid operator signature.", "The signature of the draw result is not valid."],
      seed: ["The secret revealed at the draw is the one promised before the sale.", "The revealed secret is not the promised one."],
      draw_input: ["The draw used this lottery, its ticket count and the frozen fingerprint.", "The draw input is not built from the promised data."],
      hmac: ["The draw recomputed from the secret: attempt {counter} gives position {index} (no bias).", "Recomputing the draw gives another result than the published one."],
      winner: ["The winning ticket {number} is the ticket at that position of the list.", "The published winner is not the ticket the draw picks."],
    },
    pending: "Not drawn yet: the secret stays hidden until the draw.",
  },
  ru: {
    title: "Проверьте розыгрыш LuckyMart сами",
    intro: "Эта страница прямо в вашем браузере проверяет, что победитель определён данными, зафиксированными до продажи, и проданными билетами. Ничего не устанавливается; читаются только открытые данные.",
    lottery: "ID лотереи", ticket: "Номер вашего билета (необязательно)", receipt: "Ваша квитанция о покупке (необязательно)",
    run: "Проверить", language: "Язык",
    status: { ok: "пройдено", fail: "ОШИБКА", skip: "не требуется", pending: "позже", running: "идёт", waiting: "…" },
    verdict: {
      valid: "ВЕРНО: все проверки пройдены.", invalid: "НЕВЕРНО: одна из проверок не пройдена, см. ниже.",
      waiting: "Билеты ещё не распроданы: список фиксируется при продаже последнего билета.",
      running: "Проверяем…", legacy: "Разыграно прежней системой, независимая проверка невозможна.", error: "Не удалось проверить: {error}",
    },
    steps: {
      key: ["Лотерея подписана опубликованным ключом оператора ({key}).", "Лотерея подписана другим ключом ({found}), а не опубликованным ({key})."],
      commitment_signature: ["Обязательство, данное до первой продажи, имеет верную подпись оператора.", "Подпись обязательства неверна."],
      entries: ["Список билетов зафиксирован при распродаже: {count} билетов, отпечаток (корень Меркла) {root}.", "Зафиксированный список не совпадает с обещанным числом билетов."],
      receipt_signature: ["Ваша квитанция подписана ключом квитанций LuckyMart.", "Подпись вашей квитанции неверна или сделана другим ключом."],
      receipt_lottery: ["Ваша квитанция относится к этой лотерее и её обязательству.", "Ваша квитанция относится к другой лотерее или другому обязательству."],
      proofs: ["Доказательство включения: билет(ы) {numbers} есть в зафиксированном списке (не более {size} хешей на билет, без загрузки списка).", "Доказательство включения билета {number} не ведёт к зафиксированному отпечатку."],
      tickets: ["В списке ровно билеты с 1 по {count}, каждый номер и каждый ID билета — по одному разу.", "Список нарушен на позиции {seq}: билет пропущен, повторён или неверно пронумерован.", "Читаем список: {done} из {count} билетов…"],
      receipt_tickets: ["Все билеты из вашей квитанции есть в списке без изменений.", "Билета {number} из вашей квитанции нет в списке, или он изменён."],
      root: ["Список даёт зафиксированный отпечаток: ни один билет не добавлен, не удалён и не изменён.", "Список не даёт зафиксированный отпечаток."],
      draw_signature: ["Результат розыгрыша имеет верную подпись оператора.", "Подпись результата розыгрыша неверна."],
      seed: ["Секрет, раскрытый при розыгрыше, — тот самый, что был обещан до продажи.", "Раскрытый секрет не совпадает с обещанным."],
      draw_input: ["Розыгрыш использовал эту лотерею, число её билетов и зафиксированный отпечаток.", "Входные данные розыгрыша построены не из обещанных данных."],
      hmac: ["Розыгрыш пересчитан из секрета: попытка {counter} даёт позицию {index} (без смещения).", "Пересчёт розыгрыша даёт другой результат, чем опубликованный."],
      winner: ["Выигрышный билет {number} — это билет на этой позиции списка.", "Опубликованный победитель — не тот билет, который выбирает розыгрыш."],
    },
    pending: "Розыгрыш ещё не проведён: секрет скрыт до розыгрыша.",
  },
  tg: {
    title: "Қуръакашии LuckyMart-ро худатон санҷед",
    intro: "Ин саҳифа дар браузери шумо месанҷад, ки ғолиб аз маълумоти пеш аз фурӯш собитшуда ва чиптаҳои фурӯхташуда бармеояд. Ҳеҷ чиз насб намешавад; танҳо маълумоти ошкоро хонда мешавад.",
    lottery: "ID-и лотерея", ticket: "Рақами чиптаи шумо (ихтиёрӣ)", receipt: "Квитансияи хариди шумо (ихтиёрӣ)",
    run: "Санҷидан", language: "Забон",
    status: { ok: "гузашт", fail: "ХАТО", skip: "лозим нест", pending: "баъдтар", running: "дар ҷараён", waiting: "…" },
    verdict: {
      valid: "ДУРУСТ: ҳамаи санҷишҳо гузаштанд.", invalid: "НОДУРУСТ: як санҷиш нагузашт, поёнро бинед.",
      waiting: "Ҳанӯз пурра фурӯхта нашудааст: рӯйхат ҳангоми фурӯши чиптаи охирин собит мешавад.",
      running: "Санҷиш…", legacy: "Аз ҷониби низоми пешина бозӣ шудааст, санҷиши мустақил ғайриимкон аст.", error: "Санҷидан нашуд: {error}",
    },
    steps: {
      key: ["Лотерея бо калиди интишоршудаи оператор ({key}) имзо шудааст.", "Лотерея бо калиди дигар ({found}) имзо шудааст, на бо калиди интишоршуда ({key})."],
      commitment_signature: ["Ӯҳдадории пеш аз фурӯши аввал додашуда имзои дурусти операторро дорад.", "Имзои ӯҳдадорӣ нодуруст аст."],
      entries: ["Рӯйхати чиптаҳо ҳангоми пурра фурӯхта шудан собит шуд: {count} чипта, изи ангушт (решаи Меркл) {root}.", "Рӯйхати собитшуда ба шумораи ваъдашудаи чиптаҳо мувофиқ нест."],
      receipt_signature: ["Квитансияи шумо бо калиди квитансияҳои LuckyMart имзо шудааст.", "Имзои квитансияи шумо нодуруст аст ё аз калиди дигар аст."],
      receipt_lottery: ["Квитансияи шумо ба ҳамин лотерея ва ӯҳдадории он тааллуқ дорад.", "Квитансияи шумо ба лотерея ё ӯҳдадории дигар тааллуқ дорад."],
      proofs: ["Далели дохилшавӣ: чипта(ҳо)и {numbers} дар рӯйхати собитшуда ҳастанд (на зиёда аз {size} хеш барои ҳар кадом, бе боргирии рӯйхат).", "Далели дохилшавии чиптаи {number} ба изи ангушти собитшуда намерасад."],
      tickets: ["Дар рӯйхат маҳз чиптаҳои аз 1 то {count} ҳастанд, ҳар рақам ва ҳар ID як маротиба.", "Рӯйхат дар мавқеи {seq} вайрон аст: чипта намерасад, такрор шудааст ё рақамаш нодуруст аст.", "Хондани рӯйхат: {done} аз {count} чипта…"],
      receipt_tickets: ["Ҳамаи чиптаҳои квитансияи шумо бетағйир дар рӯйхат ҳастанд.", "Чиптаи {number} аз квитансияи шумо дар рӯйхат нест ё тағйир дода шудааст."],
      root: ["Рӯйхат ба изи ангушти собитшуда мувофиқ аст: ягон чипта илова, хориҷ ё тағйир дода нашудааст.", "Рӯйхат ба изи ангушти собитшуда мувофиқ нест."],
      draw_signature: ["Натиҷаи қуръакашӣ имзои дурусти операторро дорад.", "Имзои натиҷаи қуръакашӣ нодуруст аст."],
      seed: ["Сирре, ки ҳангоми қуръакашӣ ошкор шуд, ҳамонест, ки пеш аз фурӯш ваъда шуда буд.", "Сирри ошкоршуда ба ваъдашуда мувофиқ нест."],
      draw_input: ["Қуръакашӣ ҳамин лотерея, шумораи чиптаҳо ва изи ангушти собитшударо истифода бурд.", "Маълумоти вуруди қуръакашӣ аз маълумоти ваъдашуда сохта нашудааст."],
      hmac: ["Қуръакашӣ аз сирр аз нав ҳисоб карда шуд: кӯшиши {counter} мавқеи {index}-ро медиҳад (бе майл).", "Ҳисоби дубора натиҷаи дигар медиҳад, на натиҷаи интишоршударо."],
      winner: ["Чиптаи бурдкардаи {number} ҳамон чиптаест, ки дар ин мавқеи рӯйхат аст.", "Ғолиби интишоршуда он чиптае нест, ки қуръакашӣ интихоб мекунад."],
    },
    pending: "Қуръакашӣ ҳанӯз нашудааст: сирр то қуръакашӣ пинҳон мемонад.",
  },
  zh: {
    title: "亲自验证 LuckyMart 开奖",
    intro: "本页面在您的浏览器中验证：中奖者由开售前固定的数据和已售出的彩票决定。无需安装任何东西，只读取公开数据。",
    lottery: "抽奖 ID", ticket: "您的票号（可选）", receipt: "您的购买凭证（可选）",
    run: "验证", language: "语言",
    status: { ok: "通过", fail: "失败", skip: "无需", pending: "稍后", running: "进行中", waiting: "…" },
    verdict: {
      valid: "有效：所有检查均已通过。", invalid: "无效：有检查未通过，见下文。",
      waiting: "尚未售罄：最后一张票售出时票单才会冻结。",
      running: "正在验证…", legacy: "由旧系统开奖，无法独立验证。", error: "无法验证：{error}",
    },
    steps: {
      key: ["该抽奖由公布的运营方密钥（{key}）签名。", "该抽奖由另一个密钥（{found}）签名，而不是公布的密钥（{key}）。"],
      commitment_signature: ["首张票售出前作出的承诺带有有效的运营方签名。", "承诺的签名无效。"],
      entries: ["票单在售罄时冻结：共 {count} 张票，指纹（默克尔根）{root}。", "冻结的票单与承诺的票数不符。"],
      receipt_signature: ["您的凭证由 LuckyMart 的凭证密钥签名。", "您的凭证签名无效或来自其他密钥。"],
      receipt_lottery: ["您的凭证属于此抽奖及其承诺。", "您的凭证属于另一个抽奖或承诺。"],
      proofs: ["包含证明：票 {numbers} 在冻结的票单中（每张最多 {size} 个哈希，无需下载票单）。", "票 {number} 的包含证明无法得出冻结的指纹。"],
      tickets: ["票单恰好包含第 1 至 {count} 张票，每个票号和每个票 ID 各出现一次。", "票单在位置 {seq} 出错：有票缺失、重复或编号错误。", "正在读取票单：{done} / {count} 张…"],
      receipt_tickets: ["您凭证上的每张票都在票单中且未被更改。", "您凭证上的票 {number} 不在票单中或已被更改。"],
      root: ["票单的哈希与冻结的指纹一致：没有票被添加、删除或更改。", "票单的哈希与冻结的指纹不一致。"],
      draw_signature: ["开奖结果带有有效的运营方签名。", "开奖结果的签名无效。"],
      seed: ["开奖时公开的密值正是开售前承诺的那个。", "公开的密值与承诺不符。"],
      draw_input: ["开奖使用了本抽奖、其票数和冻结的指纹。", "开奖输入并非由承诺的数据构成。"],
      hmac: ["已用密值重新计算开奖：第 {counter} 次尝试得到位置 {index}（无偏差）。", "重新计算的开奖结果与公布的不同。"],
      winner: ["中奖票 {number} 正是票单中该位置的票。", "公布的中奖者不是开奖选出的票。"],
    },
    pending: "尚未开奖：密值在开奖前保持隐藏。",
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
  String(template).replace(/\{(\w+)\}/g, (_, name) => (params && params[name] !== undefined ? String(params[name]) : ""));
