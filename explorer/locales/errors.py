"""Messages for bad input and broken files (keys used by explorer.preprocess and explorer.model)."""

STRINGS = {
    "error_empty": {"en": "The file is empty.", "uk": "Файл порожній."},
    "error_no_file": {"en": "No such file.", "uk": "Такого файлу немає."},
    "error_unreadable": {
        "en": "The file could not be read (is it a folder, or not readable?).",
        "uk": "Не вдалося прочитати файл (можливо, це тека або до нього немає доступу).",
    },
    "error_too_big_file": {
        "en": "The file is larger than {mb} MB. Please use a smaller image.",
        "uk": "Файл більший за {mb} МБ. Будь ласка, виберіть менше зображення.",
    },
    "error_format": {
        "en": "Unsupported image format ({format}). Use PNG, JPEG, GIF, BMP or WebP.",
        "uk": "Непідтримуваний формат зображення ({format}). Використайте PNG, JPEG, GIF, BMP або WebP.",
    },
    "error_too_many_pixels": {
        "en": "The image has too many pixels to open safely. Please use a smaller image.",
        "uk": "Зображення має забагато пікселів, щоб безпечно його відкрити. Виберіть менше зображення.",
    },
    "error_heic": {
        "en": "HEIC/HEIF photos (the iPhone's default) can't be read here. "
        "Please save or share the photo as JPEG or PNG and try again.",
        "uk": "Фото у форматі HEIC/HEIF (типовий формат iPhone) тут не читаються. "
        "Збережіть або надішліть фото як JPEG чи PNG і спробуйте ще раз.",
    },
    "error_not_image": {
        "en": "This file is not an image that can be read (PNG, JPEG, GIF, BMP or WebP expected).",
        "uk": "Цей файл не є зображенням, яке можна прочитати (очікується PNG, JPEG, GIF, BMP або WebP).",
    },
    "error_corrupt": {
        "en": "The image file is damaged or incomplete.",
        "uk": "Файл зображення пошкоджений або неповний.",
    },
    "error_blank": {
        "en": "No digit found: the image looks blank.",
        "uk": "Цифру не знайдено: зображення виглядає порожнім.",
    },
    "weights_missing": {
        "en": "The trained network's weights are missing (pretrained/convnet_mnist.pt). "
        "Pages that need the network are unavailable; the others still work.",
        "uk": "Ваги навченої мережі відсутні (pretrained/convnet_mnist.pt). "
        "Сторінки, яким потрібна мережа, недоступні; решта працює.",
    },
    "weights_mismatch": {
        "en": "The trained network's weights do not match their model card (sha256 differs): "
        "the file was changed or damaged. Pages that need the network are unavailable.",
        "uk": "Ваги навченої мережі не збігаються з карткою моделі (інший sha256): "
        "файл змінено або пошкоджено. Сторінки, яким потрібна мережа, недоступні.",
    },
    "weights_corrupt": {
        "en": "The trained network's weights could not be read (damaged file). "
        "Pages that need the network are unavailable.",
        "uk": "Не вдалося прочитати ваги навченої мережі (пошкоджений файл). "
        "Сторінки, яким потрібна мережа, недоступні.",
    },
    "error_unexpected": {
        "en": "Something went wrong while processing this input ({name}). The rest of the page still works.",
        "uk": "Під час обробки цих даних сталася помилка ({name}). Решта сторінки працює.",
    },
}
