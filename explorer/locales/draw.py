"""Strings of the draw & predict page."""

STRINGS = {
    "draw.title": {
        "en": "Draw a digit, watch the network answer",
        "uk": "Намалюйте цифру — і мережа відповість",
    },
    "draw.intro": {
        "en": "Draw one digit from 0 to 9, large and in the middle. When you lift the mouse, finger or pen, "
        "the picture is turned into the 28×28 image the network was trained on, and the network guesses "
        "which digit it is.",
        "uk": "Намалюйте одну цифру від 0 до 9, велику й посередині. Щойно ви відпустите мишу, палець чи "
        "стилус, малюнок перетвориться на зображення 28×28, на яких навчалася мережа, і мережа спробує "
        "вгадати, яка це цифра.",
    },
    "draw.samples": {
        "en": "Or start from a real handwritten digit of the MNIST test set:",
        "uk": "Або почніть зі справжньої рукописної цифри з тестового набору MNIST:",
    },
    "draw.samples_help": {
        "en": "Puts an example the network has never seen in training on the canvas; click the same digit "
        "again for another example. You can draw over it.",
        "uk": "Кладе на полотно приклад, якого мережа не бачила під час навчання; натисніть ту саму цифру ще "
        "раз, щоб отримати інший приклад. Поверх нього можна малювати.",
    },
    "draw.upload": {
        "en": "Or upload a photo of a handwritten digit",
        "uk": "Або завантажте фото рукописної цифри",
    },
    "draw.upload_help": {
        "en": "One digit per picture, e.g. a phone photo of a digit written on paper. PNG, JPEG, GIF, BMP or "
        "WebP; dark ink on light paper and light ink on a dark background both work.",
        "uk": "Одна цифра на зображенні, наприклад фото з телефона цифри, написаної на папері. PNG, JPEG, GIF, "
        "BMP або WebP; підходить і темне чорнило на світлому папері, і світле на темному тлі.",
    },
}
