"""Strings of the Pooling page (pages/pooling.py)."""

STRINGS = {
    "pool.title": {"en": "Pooling", "uk": "Об'єднання (pooling)"},
    "pool.intro": {
        "en": "Pooling shrinks a feature map. A window slides over it, like a convolution kernel but with nothing "
        "to learn, and keeps one number per window: the largest (**max pooling**) or the mean (**average "
        "pooling**). The network in this app uses 2×2 max pooling with stride 2 twice: 28×28 → 14×14 → 7×7.",
        "uk": "Об'єднання (pooling) зменшує карту ознак. Вікно ковзає по ній, як ядро згортки, але без жодних "
        "параметрів для навчання, і з кожного вікна залишає одне число: найбільше (**максимальне об'єднання**) "
        "або середнє (**середнє об'єднання**). Мережа в цьому застосунку двічі застосовує максимальне "
        "об'єднання 2×2 з кроком 2: 28×28 → 14×14 → 7×7.",
    },
    "pool.tab.pool": {"en": "Max and average, window by window", "uk": "Максимум і середнє, вікно за вікном"},
    "pool.tab.padding": {"en": "Zeros or −∞? The 5×5 example", "uk": "Нулі чи −∞? Приклад 5×5"},
    "pool.tab.moves": {"en": "Why pooling helps: moved digits", "uk": "Навіщо об'єднання: зсунуті цифри"},
    "pool.only_value": {
        "en": "{name}: {value} (the only allowed value here)",
        "uk": "{name}: {value} (тут можливе лише це значення)",
    },
    # input
    "pool.source": {"en": "Input", "uk": "Вхід"},
    "pool.source.tutorial": {"en": "5×5 example grid", "uk": "Приклад: сітка 5×5"},
    "pool.source.digit": {"en": "Current digit", "uk": "Поточна цифра"},
    "pool.source.feature": {"en": "Feature map (conv1 after ReLU)", "uk": "Карта ознак (conv1 після ReLU)"},
    "pool.grid_note": {
        "en": "An example 5×5 grid in the spirit of the tutorial's pooling figure. The numbers are our own: the "
        "exact values of the tutorial's figure could not be recovered. With a 2×2 window and stride 2 the grid "
        "needs one more row and column to give 3×3; the window maxima include 3.0, 5.0 and 7.0. Change any cell under "
        "“Edit the grid's numbers”.",
        "uk": "Приклад сітки 5×5 у дусі рисунка про об'єднання з посібника. Числа наші: точні значення з рисунка "
        "посібника відновити не вдалося. Для вікна 2×2 з кроком 2 сітці бракує одного рядка й одного стовпця, "
        "щоб дати 3×3; серед максимумів вікон є 3.0, 5.0 і 7.0. Змініть будь-яку клітинку в розділі «Змінити "
        "числа сітки».",
    },
    "pool.grid_edit": {"en": "Edit the grid's numbers", "uk": "Змінити числа сітки"},
    "pool.grid_reset": {"en": "Reset the grid", "uk": "Повернути початкову сітку"},
    "pool.err_grid": {
        "en": "Every cell needs a number between −{limit} and {limit}. Fix the grid to see the pooling.",
        "uk": "У кожній клітинці має бути число від −{limit} до {limit}. Виправте сітку, щоб побачити об'єднання.",
    },
    "pool.need_digit": {
        "en": "Nothing drawn yet and no bundled sample is available: draw a digit on the first page.",
        "uk": "Ще нічого не намальовано, а вбудованого зразка немає: намалюйте цифру на першій сторінці.",
    },
    "pool.sample_note": {
        "en": "Nothing drawn yet, so this uses a 9 from the MNIST test set. Draw your own digit on the first page.",
        "uk": "Ще нічого не намальовано, тож тут використано дев'ятку з тестового набору MNIST. Намалюйте власну "
        "цифру на першій сторінці.",
    },
    "pool.channel": {"en": "conv1 channel", "uk": "Канал conv1"},
    "pool.channel_help": {
        "en": "One of the 32 filters of the network's first convolution layer.",
        "uk": "Один із 32 фільтрів першого згорткового шару мережі.",
    },
    "pool.feature_note": {
        "en": "This is exactly what the network's first pooling layer receives. After ReLU every value is ≥ 0.",
        "uk": "Саме це отримує перший шар об'єднання мережі. Після ReLU всі значення ≥ 0.",
    },
    # settings
    "pool.mode": {"en": "Pooling", "uk": "Об'єднання"},
    "pool.mode.max": {"en": "Max", "uk": "Максимальне"},
    "pool.mode.avg": {"en": "Average", "uk": "Середнє"},
    "pool.kernel": {"en": "Window size (kernel_size)", "uk": "Розмір вікна (kernel_size)"},
    "pool.kernel_help": {
        "en": "The window is square; it can't be larger than the input.",
        "uk": "Вікно квадратне; воно не може бути більшим за вхід.",
    },
    "pool.dilation": {"en": "Dilation", "uk": "Розширення (dilation)"},
    "pool.dilation_help": {
        "en": "Gaps between the cells a window looks at (max pooling only; PyTorch's average pooling has none).",
        "uk": "Проміжки між клітинками, які переглядає вікно (лише для максимального об'єднання; середнє "
        "об'єднання в PyTorch його не має).",
    },
    "pool.stride_h": {"en": "Stride down (rows)", "uk": "Крок униз (рядки)"},
    "pool.stride_w": {"en": "Stride across (columns)", "uk": "Крок убік (стовпці)"},
    "pool.stride_help": {
        "en": "How many cells the window moves each step. Equal to the window: windows touch without "
        "overlapping. Larger: some cells are never looked at.",
        "uk": "На скільки клітинок вікно зсувається за крок. Крок, що дорівнює вікну: вікна стикаються без "
        "перекриття. Більший крок: деякі клітинки вікно не переглядає взагалі.",
    },
    "pool.padding": {"en": "Padding", "uk": "Доповнення (padding)"},
    "pool.padding_help": {
        "en": "Extra cells around the input on every side. Max pooling pads with −∞ (never the winner), average "
        "pooling with zeros.",
        "uk": "Додаткові клітинки довкола входу з усіх боків. Максимальне об'єднання доповнює значенням −∞ "
        "(воно ніколи не перемагає), середнє — нулями.",
    },
    "pool.padding_limit": {
        "en": "PyTorch allows at most half the window: {k} // 2 = {limit}. More padding would create windows "
        "with (almost) nothing but padding in them, so PyTorch refuses it.",
        "uk": "PyTorch дозволяє щонайбільше половину вікна: {k} // 2 = {limit}. Більше доповнення створило б "
        "вікна, у яких (майже) саме доповнення, тому PyTorch його не приймає.",
    },
    "pool.ceil_mode": {"en": "ceil_mode (round the size up)", "uk": "ceil_mode (округлювати розмір угору)"},
    "pool.ceil_help": {
        "en": "Round the output size up instead of down, so a last, partial window at the right/bottom edge is "
        "kept. The missing cells are ignored (like −∞ for max). A window that would start in the right padding "
        "is still dropped.",
        "uk": "Округлювати розмір виходу вгору, а не вниз, щоб зберегти останнє неповне вікно біля правого/"
        "нижнього краю. Відсутні клітинки не враховуються (для максимуму — як −∞). Вікно, яке почалося б у "
        "правому доповненні, все одно відкидається.",
    },
    "pool.count_include_pad": {"en": "count_include_pad", "uk": "count_include_pad (рахувати доповнення)"},
    "pool.cip_help": {
        "en": "On: padding zeros count in the average (a corner window of all ones with padding 1 gives less "
        "than 1). Off: divide only by the real cells.",
        "uk": "Увімкнено: нулі доповнення входять у середнє (кутове вікно з одиниць із доповненням 1 дає "
        "менше за 1). Вимкнено: ділимо лише на справжні клітинки.",
    },
    # output
    "pool.hover": {
        "en": "row %{y}, column %{x}<br>value %{z:.3f}<extra></extra>",
        "uk": "рядок %{y}, стовпець %{x}<br>значення %{z:.3f}<extra></extra>",
    },
    "pool.input_title": {"en": "Input and its windows", "uk": "Вхід і його вікна"},
    "pool.legend.max": {
        "en": "Each window has its own outline colour (on large maps neighbouring windows alternate two "
        "colours); the square inside a window marks its winning cell, the value that goes into the output. "
        "Cells outside the grey border are padding (−∞ for max pooling).",
        "uk": "Кожне вікно має власний колір рамки (на великих картах сусідні вікна чергують два кольори); "
        "квадрат усередині вікна позначає клітинку-переможця — значення, яке потрапляє у вихід. Клітинки поза "
        "сірою рамкою — доповнення (−∞ для максимального об'єднання).",
    },
    "pool.legend.avg": {
        "en": "Each window has its own outline colour (on large maps neighbouring windows alternate two "
        "colours); each output cell is the mean of its window. Cells outside the grey border are padding "
        "(zeros).",
        "uk": "Кожне вікно має власний колір рамки (на великих картах сусідні вікна чергують два кольори); "
        "кожна клітинка виходу — середнє свого вікна. Клітинки поза сірою рамкою — доповнення (нулі).",
    },
    "pool.subset": {
        "en": "There are too many overlapping windows to draw them all: every {m}th window in each direction is "
        "outlined (all winners are marked).",
        "uk": "Вікон, що перекриваються, забагато, щоб намалювати всі: обведено кожне {m}-е вікно в кожному "
        "напрямку (усіх переможців позначено).",
    },
    "pool.output_title": {"en": "Pooled map ({h}×{w})", "uk": "Карта після об'єднання ({h}×{w})"},
    "pool.downloads": {"en": "Download PNG / CSV", "uk": "Завантажити PNG / CSV"},
    "pool.size_result": {"en": "{h}×{w} → {h_out}×{w_out}", "uk": "{h}×{w} → {h_out}×{w_out}"},
    "pool.formula_h": {"en": "Rows: {formula}", "uk": "Рядки: {formula}"},
    "pool.formula_w": {"en": "Columns: {formula}", "uk": "Стовпці: {formula}"},
    "pool.ceil_dropped": {
        "en": "ceil_mode rounded up, but the last window would have started in the right padding, so PyTorch "
        "drops it (the “− 1”).",
        "uk": "ceil_mode округлив угору, але останнє вікно почалося б у правому доповненні, тож PyTorch його "
        "відкидає («− 1»).",
    },
    "pool.discarded_max": {
        "en": "{lost} of the {total} input values ({pct}) win no window and are discarded; the output keeps "
        "{kept} numbers.",
        "uk": "{lost} із {total} вхідних значень ({pct}) не перемагають у жодному вікні й відкидаються; у виході "
        "залишається {kept} чисел.",
    },
    "pool.discarded_avg": {
        "en": "Every input value counts in some average, but the map shrinks from {total} to {kept} numbers "
        "({pct} fewer): the detail inside each window is lost.",
        "uk": "Кожне вхідне значення входить у якесь середнє, але карта зменшується з {total} до {kept} чисел "
        "(на {pct} менше): подробиці всередині кожного вікна втрачаються.",
    },
    "pool.unseen": {
        "en": "The stride is larger than the window: {n} input cells are never looked at.",
        "uk": "Крок більший за вікно: {n} вхідних клітинок вікно не переглядає взагалі.",
    },
    "pool.code_toggle": {"en": "Show the PyTorch code", "uk": "Показати код PyTorch"},
    "pool.code_caption": {
        "en": "This code builds the same layer with the current settings and prints the pooled map shown above.",
        "uk": "Цей код створює такий самий шар із поточними налаштуваннями й друкує показану вище карту.",
    },
    # the two padding conventions
    "pool.conv_intro": {
        "en": "A 2×2 window with stride 2 does not fit a 5×5 grid. The tutorial appends a row and a column of "
        "zeros (6×6 → 3×3). PyTorch instead uses `ceil_mode=True`: the last windows hang over the edge and the "
        "missing cells count as −∞, so they can never win.",
        "uk": "Вікно 2×2 з кроком 2 не вміщується в сітку 5×5. Посібник дописує рядок і стовпець нулів "
        "(6×6 → 3×3). PyTorch натомість використовує `ceil_mode=True`: останні вікна виходять за край, а "
        "відсутні клітинки вважаються −∞, тож ніколи не перемагають.",
    },
    "pool.conv_zero_in": {"en": "zeros (tutorial)", "uk": "нулі (посібник)"},
    "pool.conv_torch_in": {"en": "−∞ (PyTorch ceil_mode)", "uk": "−∞ (PyTorch ceil_mode)"},
    "pool.conv_out": {"en": "→ result", "uk": "→ результат"},
    "pool.conv_agree": {
        "en": "Here both give the same 3×3 result.",
        "uk": "Тут обидва способи дають однаковий результат 3×3.",
    },
    "pool.conv_differ": {
        "en": "Here they differ: a window whose real cells are all negative gets 0 from the zero padding but "
        "its true maximum from PyTorch.",
        "uk": "Тут вони різняться: вікно, усі справжні клітинки якого від'ємні, отримує 0 від доповнення нулями, "
        "а в PyTorch — свій справжній максимум.",
    },
    "pool.conv_grid": {
        "en": "The grid is the 5×5 example from the first tab, with your edits: change it there.",
        "uk": "Сітка — приклад 5×5 з першої вкладки з вашими змінами: змінюйте її там.",
    },
    "pool.conv_when": {
        "en": "They agree whenever no value is negative, for example on feature maps after ReLU, which is where a "
        "CNN pools. Type a negative number into the last row or column to see them differ.",
        "uk": "Вони збігаються, коли жодне значення не від'ємне, наприклад на картах ознак після ReLU — саме там "
        "CNN застосовує об'єднання. Введіть від'ємне число в останній рядок або стовпець, щоб побачити різницю.",
    },
    # invariance
    "pool.inv_intro": {
        "en": "Move, turn or resize the digit a little and compare a conv1 feature map before pooling with the "
        "same map after one and after two 2×2 max-pooling stages. A maximum that moves by a pixel usually stays "
        "inside its window, so the pooled maps change less: the network can find a “9” wherever it is.",
        "uk": "Трохи зсуньте, поверніть або змініть розмір цифри й порівняйте карту ознак conv1 до об'єднання з "
        "тією самою картою після одного та після двох етапів максимального об'єднання 2×2. Максимум, що "
        "зсунувся на піксель, зазвичай залишається у своєму вікні, тож карти після об'єднання змінюються менше: "
        "мережа знаходить «9», хоч би де вона була.",
    },
    "pool.shift_x": {"en": "Shift right (pixels)", "uk": "Зсув праворуч (пікселі)"},
    "pool.shift_y": {"en": "Shift down (pixels)", "uk": "Зсув униз (пікселі)"},
    "pool.shift_help": {
        "en": "Negative values move the other way.",
        "uk": "Від'ємні значення зсувають у протилежний бік.",
    },
    "pool.rotate": {
        "en": "Rotate (degrees, anticlockwise)",
        "uk": "Поворот (градуси, проти годинникової стрілки)",
    },
    "pool.scale": {"en": "Scale", "uk": "Масштаб"},
    "pool.inv_channel": {"en": "conv1 channel", "uk": "Канал conv1"},
    "pool.stage.relu1": {"en": "Before pooling ({size}×{size})", "uk": "До об'єднання ({size}×{size})"},
    "pool.stage.pool1": {"en": "After 1 pooling ({size}×{size})", "uk": "Після 1 об'єднання ({size}×{size})"},
    "pool.stage.pool1x2": {
        "en": "After 2 poolings ({size}×{size})",
        "uk": "Після 2 об'єднань ({size}×{size})",
    },
    "pool.corr_help": {
        "en": "Correlation between the map of the original digit and the map of the moved digit: 1 means the same "
        "pattern, 0 means unrelated.",
        "uk": "Кореляція між картою початкової цифри та картою зсунутої цифри: 1 — той самий візерунок, 0 — "
        "ніякого зв'язку.",
    },
    "pool.same_max_yes": {
        "en": "The strongest response stays in the same cell.",
        "uk": "Найсильніший відгук залишається в тій самій клітинці.",
    },
    "pool.same_max_no": {
        "en": "The strongest response moves to another cell.",
        "uk": "Найсильніший відгук переходить в іншу клітинку.",
    },
    "pool.all_channels": {
        "en": "All {n} responding channels: mean correlation {r}; strongest cell unchanged in {share}.",
        "uk": "Усі {n} каналів із відгуком: середня кореляція {r}; найсильніша клітинка не змінилася в {share}.",
    },
    "pool.row_original": {"en": "original", "uk": "початкова"},
    "pool.row_moved": {"en": "moved", "uk": "змінена"},
    "pool.stages_note": {
        "en": "Top: the original digit; bottom: the moved one. Pooled maps are drawn at the same size so each "
        "cell covers the part of the image it summarises. The numbers are computed live; with a 2-pixel shift "
        "one pooling stage is not enough, two are.",
        "uk": "Угорі — початкова цифра, внизу — змінена. Карти після об'єднання намальовано в тому самому "
        "розмірі, тож кожна клітинка покриває ту частину зображення, яку вона підсумовує. Числа обчислюються "
        "наживо; при зсуві на 2 пікселі одного етапу об'єднання замало, двох — досить.",
    },
    "pool.pred_title": {
        "en": "What the network says about moved digits",
        "uk": "Що каже мережа про змінені цифри",
    },
    "pool.pred_caption": {"en": "{name}<br>→ {digit} ({p})", "uk": "{name}<br>→ {digit} ({p})"},
    "pool.var_original": {"en": "original", "uk": "початкова"},
    "pool.var_left": {"en": "3 px left", "uk": "3 пкс ліворуч"},
    "pool.var_right": {"en": "3 px right", "uk": "3 пкс праворуч"},
    "pool.var_up": {"en": "3 px up", "uk": "3 пкс угору"},
    "pool.var_down": {"en": "3 px down", "uk": "3 пкс униз"},
    "pool.var_rot_neg": {"en": "turned −15°", "uk": "поворот −15°"},
    "pool.var_rot_pos": {"en": "turned +15°", "uk": "поворот +15°"},
    "pool.var_small": {"en": "scaled 0.8", "uk": "масштаб 0.8"},
    "pool.var_big": {"en": "scaled 1.2", "uk": "масштаб 1.2"},
    "pool.var_current": {"en": "your sliders", "uk": "ваші повзунки"},
    "pool.pred_note": {
        "en": "The network's prediction and its confidence under each version; the outlined one follows your "
        "sliders. Pooling, together with training on slightly moved digits, is why small moves rarely change "
        "the answer.",
        "uk": "Передбачення мережі та її впевненість для кожного варіанта; обведений відповідає вашим "
        "повзункам. Об'єднання разом із навчанням на трохи зсунутих цифрах — причина, чому невеликі зміни "
        "рідко змінюють відповідь.",
    },
}
