"""Strings of the convolution playground (pages/convolution.py, explorer/playground.py)."""

STRINGS = {
    "conv.title": {"en": "Convolution playground", "uk": "Пісочниця згортки"},
    "conv.intro": {
        "en": "Pick or type a kernel (filter), choose stride, padding and dilation, and watch the "
        "kernel slide over the input. Every number on this page is computed by PyTorch.",
        "uk": "Виберіть або впишіть ядро (фільтр), задайте крок, доповнення та розширення й дивіться, "
        "як ядро ковзає по вхідному зображенню. Кожне число на цій сторінці обчислює PyTorch.",
    },
    # input
    "conv.source": {"en": "Input", "uk": "Вхід"},
    "conv.source.digit": {"en": "Your digit (28×28)", "uk": "Ваша цифра (28×28)"},
    "conv.source.grid": {"en": "Small grid (5×5)", "uk": "Мала сітка (5×5)"},
    "conv.source.grid_help": {
        "en": "The 5×5 input of Dumoulin & Visin's convolution arithmetic guide; every value is written"
        " in its cell.",
        "uk": "Вхід 5×5 із посібника Дюмулена й Візена з арифметики згортки; кожне значення записане у "
        "своїй клітинці.",
    },
    "conv.no_digit": {
        "en": "Nothing drawn yet, so this is a 7 from the MNIST test set. Draw your own digit on the "
        "first page.",
        "uk": "Ще нічого не намальовано, тож це сімка з тестового набору MNIST. Намалюйте власну цифру "
        "на першій сторінці.",
    },
    "conv.no_digit_grid": {
        "en": "Nothing drawn yet: showing the small grid. Draw a digit on the first page to use it here.",
        "uk": "Ще нічого не намальовано: показано малу сітку. Намалюйте цифру на першій сторінці, щоб "
        "використати її тут.",
    },
    # kernel
    "conv.kernel.header": {"en": "Kernel", "uk": "Ядро"},
    "conv.preset": {"en": "Preset", "uk": "Готове ядро"},
    "conv.preset.identity": {"en": "Identity", "uk": "Тотожне"},
    "conv.preset.box_blur": {"en": "Box blur", "uk": "Рівномірне розмиття"},
    "conv.preset.gaussian_blur": {"en": "Gaussian blur", "uk": "Гаусове розмиття"},
    "conv.preset.sharpen": {"en": "Sharpen", "uk": "Підвищення різкості"},
    "conv.preset.sobel_x": {"en": "Sobel x (vertical edges)", "uk": "Собель x (вертикальні краї)"},
    "conv.preset.sobel_y": {"en": "Sobel y (horizontal edges)", "uk": "Собель y (горизонтальні краї)"},
    "conv.preset.laplacian": {"en": "Laplacian", "uk": "Лапласіан"},
    "conv.preset.emboss": {"en": "Emboss", "uk": "Тиснення"},
    "conv.preset.outline": {"en": "Outline", "uk": "Контур"},
    "conv.preset.tutorial_half": {"en": "Tutorial: 2×2 of 0.5", "uk": "Із посібника: 2×2 по 0,5"},
    "conv.preset.paper": {"en": "Paper: 3×3 of Fig. 1.1", "uk": "Зі статті: 3×3 з рис. 1.1"},
    "conv.preset.custom": {"en": "Custom", "uk": "Власне"},
    "conv.kernel_h": {"en": "Kernel height", "uk": "Висота ядра"},
    "conv.kernel_w": {"en": "Kernel width", "uk": "Ширина ядра"},
    "conv.kernel_size_help": {
        "en": "1 to {max} cells: the kernel must fit inside the input.",
        "uk": "Від 1 до {max} клітинок: ядро має вміщатися у вхід.",
    },
    "conv.editor_help": {
        "en": "Type a weight, then Enter or Tab (−1000 to 1000; 0.5, 0,5 and 1/9 all work). Esc takes it back.",
        "uk": "Введіть вагу й натисніть Enter або Tab (від −1000 до 1000; можна 0,5, 0.5 чи 1/9). Esc скасовує.",
    },
    "conv.grid_label": {"en": "Kernel weights", "uk": "Ваги ядра"},
    "conv.bias": {"en": "Bias", "uk": "Зсув (bias)"},
    "conv.bias_help": {
        "en": "Added to every output value after the weighted sum.",
        "uk": "Додається до кожного вихідного значення після зваженої суми.",
    },
    "conv.random": {"en": "Random weights", "uk": "Випадкові ваги"},
    "conv.normalise": {"en": "Normalise", "uk": "Нормалізувати"},
    "conv.normalise_help": {
        "en": "Scale the weights so they sum to 1 (or, if they sum to 0, so the largest is ±1).",
        "uk": "Масштабувати ваги так, щоб їхня сума дорівнювала 1 (або, якщо сума 0, щоб найбільша була ±1).",
    },
    "conv.error.kernel_empty": {"en": "The kernel is empty.", "uk": "Ядро порожнє."},
    "conv.error.kernel_shape": {
        "en": "A kernel is a rectangle of at most {max_size}×{max_size} weights.",
        "uk": "Ядро — це прямокутник щонайбільше з {max_size}×{max_size} ваг.",
    },
    "conv.error.kernel_nonfinite": {
        "en": "Every weight must be a number: that edit was refused and the previous kernel is kept.",
        "uk": "Кожна вага має бути числом: цю зміну відхилено, залишено попереднє ядро.",
    },
    "conv.error.kernel_too_large": {
        "en": "Weights must be between −{max_abs:g} and {max_abs:g}: that edit was refused and the "
        "previous kernel is kept.",
        "uk": "Ваги мають бути від −{max_abs:g} до {max_abs:g}: цю зміну відхилено, залишено попереднє ядро.",
    },
    # geometry
    "conv.geometry.header": {"en": "Geometry", "uk": "Геометрія"},
    "conv.stride_h": {"en": "Stride (rows)", "uk": "Крок (рядки)"},
    "conv.stride_w": {"en": "Stride (columns)", "uk": "Крок (стовпці)"},
    "conv.padding_h": {"en": "Padding (top & bottom)", "uk": "Доповнення (згори й знизу)"},
    "conv.padding_w": {"en": "Padding (left & right)", "uk": "Доповнення (зліва й справа)"},
    "conv.dilation": {"en": "Dilation", "uk": "Розширення (dilation)"},
    "conv.dilation_help": {
        "en": "Spread the kernel's taps apart: dilation d leaves d − 1 input cells between neighbouring"
        " weights.",
        "uk": "Розсуває відводи ядра: розширення d залишає d − 1 вхідних клітинок між сусідніми вагами.",
    },
    "conv.limits_help": {
        "en": "Allowed here: {low} to {high}. Larger values would give an empty output or add nothing new.",
        "uk": "Тут дозволено: від {low} до {high}. Більші значення дали б порожній вихід або нічого нового.",
    },
    "conv.padding_mode": {"en": "Padding mode", "uk": "Режим доповнення"},
    "conv.mode.zeros": {"en": "zeros", "uk": "нулі"},
    "conv.mode.reflect": {"en": "reflect", "uk": "дзеркальне"},
    "conv.mode.replicate": {"en": "replicate", "uk": "повтор краю"},
    "conv.mode.circular": {"en": "circular", "uk": "циклічне"},
    "conv.padding_mode_help": {
        "en": "What the padded cells contain: zeros; the input mirrored at its edge (reflect; padding "
        "must be smaller than the input); the edge value repeated (replicate); or the opposite "
        "side wrapped around (circular).",
        "uk": "Що стоїть у доповнених клітинках: нулі; вхід, віддзеркалений від краю (дзеркальне; "
        "доповнення має бути меншим за вхід); повторене крайнє значення (повтор краю); або "
        "протилежний бік, загорнутий по колу (циклічне).",
    },
    "conv.relu": {"en": "Show after ReLU", "uk": "Показати після ReLU"},
    "conv.relu_help": {
        "en": "ReLU keeps positive values and turns negative ones into 0, as the network does after "
        "each convolution.",
        "uk": "ReLU залишає додатні значення, а від'ємні перетворює на 0, як мережа робить після кожної"
        " згортки.",
    },
    "conv.flip": {"en": "True convolution (flip the kernel)", "uk": "Справжня згортка (перевернути ядро)"},
    "conv.flip_why": {
        "en": "Mathematical convolution flips the kernel in both directions; deep learning (PyTorch's "
        "Conv2d too) skips the flip and computes cross-correlation, because the weights are "
        "learned anyway — a flipped kernel is just another set of weights.",
        "uk": "Математична згортка перевертає ядро в обох напрямках; глибоке навчання (і Conv2d у "
        "PyTorch) пропускає перевертання й обчислює взаємну кореляцію, бо ваги все одно "
        "навчаються — перевернуте ядро є просто іншим набором ваг.",
    },
    # output
    "conv.input_title": {"en": "Input with padding", "uk": "Вхід із доповненням"},
    "conv.output_title": {"en": "Output map (before ReLU)", "uk": "Вихідна карта (до ReLU)"},
    "conv.output_title_relu": {"en": "Output map (after ReLU)", "uk": "Вихідна карта (після ReLU)"},
    "conv.legend": {
        "en": "Amber: the kernel's window for the selected output cell. Magenta dashes: the edge of the"
        " real input, padding outside it. Grey bands: rows or columns no window ever covers.",
        "uk": "Бурштинова рамка: вікно ядра для вибраної вихідної клітинки. Пурпуровий пунктир: межа "
        "справжнього входу, за нею — доповнення. Сірі смуги: рядки чи стовпці, яких не покриває "
        "жодне вікно.",
    },
    "conv.output_help": {
        "en": "Blue below 0, red above 0, white at 0. Click a cell to see how it was computed.",
        "uk": "Синій — менше 0, червоний — більше 0, білий — 0. Клацніть клітинку, щоб побачити, як її "
        "обчислено.",
    },
    "conv.hover": {
        "en": "row %{y}, column %{x}<br>%{z:.4f}<extra></extra>",
        "uk": "рядок %{y}, стовпець %{x}<br>%{z:.4f}<extra></extra>",
    },
    "conv.colorbar": {"en": "value", "uk": "значення"},
    "conv.size.header": {"en": "Output size", "uk": "Розмір виходу"},
    "conv.size.result": {
        "en": "{h_in}×{w_in} input → {h_out}×{w_out} output",
        "uk": "вхід {h_in}×{w_in} → вихід {h_out}×{w_out}",
    },
    "conv.formula.h": {"en": "Height: {formula}", "uk": "Висота: {formula}"},
    "conv.formula.w": {"en": "Width: {formula}", "uk": "Ширина: {formula}"},
    "conv.formula.legend": {
        "en": "⌊(input + 2·padding − kernel)/stride⌋ + 1; with dilation d the kernel spans d·(kernel − "
        "1) + 1 cells.",
        "uk": "⌊(вхід + 2·доповнення − ядро)/крок⌋ + 1; з розширенням d ядро охоплює d·(ядро − 1) + 1 "
        "клітинок.",
    },
    "conv.uncovered.h": {"en": "Rows", "uk": "Рядки"},
    "conv.uncovered.w": {"en": "Columns", "uk": "Стовпці"},
    "conv.uncovered.tail": {
        "en": "{names} {indices} are never inside a window. ({formula}) = {value} is not a multiple of "
        "the stride {stride}: the floor ⌊⌋ drops the remainder {remainder}, so the last window "
        "ends at {last}.",
        "uk": "{names} {indices} ніколи не потрапляють у вікно. ({formula}) = {value} не ділиться на "
        "крок {stride}: округлення вниз ⌊⌋ відкидає остачу {remainder}, тож останнє вікно "
        "закінчується на {last}.",
    },
    "conv.uncovered.only_padding": {
        "en": "Only padding is skipped, so no input value is lost.",
        "uk": "Пропущено лише доповнення, тож жодне вхідне значення не втрачено.",
    },
    "conv.uncovered.gaps_stride": {
        "en": "{names} {indices} fall between windows: the stride {stride} is larger than the kernel's "
        "span {span}, so those input values never reach the output.",
        "uk": "{names} {indices} потрапляють між вікнами: крок {stride} більший за охоплення ядра "
        "{span}, тож ці вхідні значення ніколи не доходять до виходу.",
    },
    "conv.uncovered.gaps_dilation": {
        "en": "{names} {indices} fall into the holes of the dilated kernel (dilation {dilation}) at "
        "every position the stride {stride} visits, so those input values never reach the output.",
        "uk": "{names} {indices} потрапляють у проміжки розширеного ядра (розширення {dilation}) на "
        "кожній позиції, яку відвідує крок {stride}, тож ці вхідні значення ніколи не доходять до"
        " виходу.",
    },
    # step-through
    "conv.step.header": {"en": "Step through the output", "uk": "Крок за кроком по виходу"},
    "conv.step.row": {"en": "Output row", "uk": "Рядок виходу"},
    "conv.step.col": {"en": "Output column", "uk": "Стовпець виходу"},
    "conv.step.prev": {"en": "◀ Previous", "uk": "◀ Попередня"},
    "conv.step.next": {"en": "Next ▶", "uk": "Наступна ▶"},
    "conv.step.play": {"en": "Play", "uk": "Відтворювати"},
    "conv.step.play_help": {
        "en": "Move the window to the next output cell automatically.",
        "uk": "Автоматично переміщати вікно до наступної вихідної клітинки.",
    },
    "conv.step.position": {
        "en": "Output cell ({row}, {col}) looks at input rows {rows} and columns {cols}.",
        "uk": "Вихідна клітинка ({row}, {col}) дивиться на рядки входу {rows} і стовпці {cols}.",
    },
    "conv.step.single": {"en": "{name}: 0 (the output has one)", "uk": "{name}: 0 (у виході лише один)"},
    "conv.arith.window": {"en": "window (input)", "uk": "вікно (вхід)"},
    "conv.arith.weights": {"en": "weights", "uk": "ваги"},
    "conv.arith.weights_flipped": {"en": "weights (flipped)", "uk": "ваги (перевернуті)"},
    "conv.arith.products": {"en": "products", "uk": "добутки"},
    "conv.arith.sum": {
        "en": "Sum of weight × input: {terms} = {value}",
        "uk": "Сума вага × вхід: {terms} = {value}",
    },
    "conv.arith.sum_long": {
        "en": "Sum of the {n} products weight × input = {value}",
        "uk": "Сума {n} добутків вага × вхід = {value}",
    },
    "conv.arith.bias": {
        "en": "Plus the bias: {products} + {bias} = {total}",
        "uk": "Плюс зсув: {products} + {bias} = {total}",
    },
    "conv.arith.relu": {"en": "ReLU: max({total}, 0) = {relu}", "uk": "ReLU: max({total}, 0) = {relu}"},
    "conv.arith.result": {"en": "Output value", "uk": "Вихідне значення"},
    "conv.arith.padding_note": {
        "en": "Dotted magenta cells of the window are padding, not input.",
        "uk": "Клітинки вікна з пурпуровим пунктиром — це доповнення, а не вхід.",
    },
    # sparse connections and shared weights
    "conv.sparse.header": {
        "en": "Sparse connections, shared weights",
        "uk": "Розріджені зв'язки, спільні ваги",
    },
    "conv.sparse.text": {
        "en": "Each output cell depends on only {taps} of the {inputs} input values (its window), and "
        "all {outputs} output cells use the same {taps} weights and one bias. A dense (fully "
        "connected) layer from {inputs} inputs to {outputs} outputs would connect every input to "
        "every output with its own weight.",
        "uk": "Кожна вихідна клітинка залежить лише від {taps} із {inputs} вхідних значень (свого "
        "вікна), а всі {outputs} вихідних клітинок використовують ті самі {taps} ваг і один зсув."
        " Щільний (повнозв'язний) шар із {inputs} входів у {outputs} виходів з'єднав би кожен "
        "вхід із кожним виходом власною вагою.",
    },
    "conv.sparse.conv_params": {"en": "Parameters: this convolution", "uk": "Параметри: ця згортка"},
    "conv.sparse.dense_params": {"en": "Parameters: dense layer", "uk": "Параметри: щільний шар"},
    "conv.sparse.conv_macs": {"en": "Multiply-adds: convolution", "uk": "Множення з додаванням: згортка"},
    "conv.sparse.dense_macs": {
        "en": "Multiply-adds: dense layer",
        "uk": "Множення з додаванням: щільний шар",
    },
    "conv.sparse.ratio": {
        "en": "Parameters, dense layer ÷ convolution = {ratio}",
        "uk": "Параметри, щільний шар ÷ згортка = {ratio}",
    },
    # PyTorch code
    "conv.code.header": {"en": "PyTorch code", "uk": "Код PyTorch"},
    "conv.code.caption": {
        "en": "This code reproduces exactly the output shown above (copy it with the button at the top "
        "right).",
        "uk": "Цей код відтворює саме той вихід, що показано вище (скопіюйте його кнопкою вгорі праворуч).",
    },
    "conv.code.download": {"en": "Download the input (CSV)", "uk": "Завантажити вхід (CSV)"},
    "conv.code.input_inline": {"en": "the {h}×{w} input shown above", "uk": "вхід {h}×{w}, показаний вище"},
    "conv.code.input_csv": {
        "en": "the {h}×{w} input shown above, saved with the download button as {name}",
        "uk": "вхід {h}×{w}, показаний вище, збережений кнопкою завантаження як {name}",
    },
    "conv.code.weight": {
        "en": "(out_channels, in_channels, kH, kW)",
        "uk": "(out_channels, in_channels, kH, kW)",
    },
    "conv.code.flip": {
        "en": "true convolution = cross-correlation with the flipped kernel",
        "uk": "справжня згортка = взаємна кореляція з перевернутим ядром",
    },
    "conv.export.menu": {"en": "Download", "uk": "Завантажити"},
    "conv.export.step": {"en": "This step", "uk": "Цей крок"},
    "conv.export.window": {"en": "Window CSV", "uk": "Вікно, CSV"},
    "conv.export.kernel": {"en": "Kernel CSV", "uk": "Ядро, CSV"},
}
