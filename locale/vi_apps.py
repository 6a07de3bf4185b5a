"""Vietnamese for the app names of the directory, forms and signing apps."""

VI = {
    "Organisation directory": "Danh bạ tổ chức",
    "Task forms": "Biểu mẫu công việc",
    "Digital signatures": "Chữ ký số",
}
