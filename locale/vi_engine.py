"""Vietnamese for the engine and the procedure catalog."""

VI = {
    # engine: app, errors
    "Process engine": "Bộ máy quy trình",
    "Procedure catalog": "Danh mục quy trình",
    "The process engine could not carry out the request.": "Bộ máy quy trình không thực hiện được yêu cầu.",
    "The process definition was refused.": "Định nghĩa quy trình bị từ chối.",
    "No process definition with this key has been deployed.": "Chưa triển khai quy trình nào có mã này.",
    "The process changed in the meantime; reload and try again.":
        "Quy trình vừa được người khác cập nhật; vui lòng tải lại và thử lại.",
    "This task is no longer open: someone has already completed or cancelled it.":
        "Công việc này không còn mở: đã có người hoàn thành hoặc công việc đã bị hủy.",
    "This process instance is no longer running.": "Hồ sơ quy trình này không còn đang chạy.",
    "You are not allowed to do this.": "Bạn không có quyền thực hiện thao tác này.",
    "The submitted data is not valid.": "Dữ liệu gửi lên không hợp lệ.",
    "A script in the process failed.": "Một đoạn mã trong quy trình bị lỗi.",
    "A script in the process tried something it is not allowed to do.":
        "Một đoạn mã trong quy trình đã thực hiện thao tác không được phép.",
    "The process reached an inconsistent state; the step was not saved.":
        "Quy trình rơi vào trạng thái không nhất quán; bước này không được lưu.",
    # deploy problems
    "No BPMN file was given.": "Chưa có tệp BPMN nào.",
    "Only .bpmn and .dmn files can be deployed.": "Chỉ triển khai được tệp .bpmn và .dmn.",
    "Malformed XML: %(error)s": "XML sai cú pháp: %(error)s",
    "This is neither a BPMN nor a DMN file.": "Tệp này không phải BPMN hay DMN.",
    "The files contain no executable process.": "Các tệp không chứa quy trình nào thực thi được.",
    "Not valid BPMN: %(error)s": "BPMN không hợp lệ: %(error)s",
    "%(attribute)s refers to '%(ref)s', which does not exist in this file.":
        "%(attribute)s trỏ tới '%(ref)s', phần tử này không có trong tệp.",
    "<%(tag)s> refers to '%(ref)s', which does not exist in this file.":
        "<%(tag)s> trỏ tới '%(ref)s', phần tử này không có trong tệp.",
    "The called process '%(ref)s' is not in this deployment; deploy its file together with this one.":
        "Quy trình được gọi '%(ref)s' không có trong lần triển khai này; hãy triển khai kèm tệp của nó.",
    "Script not allowed: %(error)s": "Đoạn mã không được phép: %(error)s",
    "Property %(prop)s is not an allowed expression: %(error)s":
        "Thuộc tính %(prop)s không phải biểu thức được phép: %(error)s",
    "A user task must sit in a lane (its role) or name an assignee or candidate group.":
        "Công việc người dùng phải nằm trong một làn (vai trò) hoặc chỉ rõ người được giao hay nhóm ứng viên.",
    "The role '%(role)s' is not known to the directory.": "Vai trò '%(role)s' không có trong danh bạ tổ chức.",
    "A service task must name its handler (spiffworkflow:serviceTaskOperator).":
        "Tác vụ dịch vụ phải chỉ rõ bộ xử lý (spiffworkflow:serviceTaskOperator).",
    "No service-task handler named '%(handler)s' is registered.":
        "Chưa đăng ký bộ xử lý tác vụ dịch vụ nào tên '%(handler)s'.",
    "Expression not allowed: %(error)s": "Biểu thức không được phép: %(error)s",
    "Another deployment of this process happened at the same time; try again.":
        "Quy trình này đang được triển khai đồng thời ở nơi khác; vui lòng thử lại.",
    # services
    "No process '%(key)s' has been deployed.": "Chưa triển khai quy trình '%(key)s'.",
    "You may not complete this task.": "Bạn không được giao hoàn thành công việc này.",
    "This process instance does not exist.": "Hồ sơ quy trình này không tồn tại.",
    "This task does not exist.": "Công việc này không tồn tại.",
    "A reason is required to cancel a process.": "Cần nêu lý do khi hủy quy trình.",
    "Required.": "Bắt buộc.",
    "The data must be a JSON object.": "Dữ liệu phải là một đối tượng JSON.",
    "The process ran %(n)s tasks without reaching a wait state and was stopped.":
        "Quy trình đã chạy %(n)s bước tự động mà không dừng chờ, nên đã bị dừng.",
    "The process has no task left but never reached an end event.":
        "Quy trình không còn công việc nào nhưng chưa tới sự kiện kết thúc.",
    "The process data grew too large to store (%(size)s bytes).":
        "Dữ liệu quy trình quá lớn để lưu (%(size)s byte).",
    "%(element)s: %(detail)s": "%(element)s: %(detail)s",
    # projection
    "No active user with the username %(names)s can be assigned this task.":
        "Không có người dùng đang hoạt động nào có tên đăng nhập %(names)s để giao công việc.",
    "Unknown user: %(name)s": "Không có người dùng: %(name)s",
    "The due date of %(task)s is not a valid date: %(value)s": "Hạn xử lý của %(task)s không phải ngày hợp lệ: %(value)s",
    # sandbox
    "The script ran longer than its time limit and was stopped.":
        "Đoạn mã chạy quá thời gian cho phép và đã bị dừng.",
    "The script tried to build a value of %(size)s items (limit %(limit)s).":
        "Đoạn mã định tạo một giá trị %(size)s phần tử (giới hạn %(limit)s).",
    "String formatting with widths over 1000 is not allowed.": "Không được định dạng chuỗi với độ rộng trên 1000.",
    "The operator %(op)s is not allowed.": "Không được dùng toán tử %(op)s.",
    "Process data uses reserved names: %(names)s": "Dữ liệu quy trình dùng tên dành riêng: %(names)s",
    "Service tasks are run by registered handlers, not by scripts.":
        "Tác vụ dịch vụ do bộ xử lý đã đăng ký thực hiện, không do đoạn mã.",
    "The value of %(key)s cannot be stored (%(type)s).": "Không lưu được giá trị của %(key)s (%(type)s).",
    "The value of %(key)s is too large to store (%(size)s characters, limit %(limit)s).":
        "Giá trị của %(key)s quá lớn để lưu (%(size)s ký tự, giới hạn %(limit)s).",
    # models
    "process key": "mã quy trình",
    "The BPMN process id.": "Mã (id) quy trình trong BPMN.",
    "version": "phiên bản",
    "name": "tên",
    "content hash": "mã băm nội dung",
    "source files": "tệp nguồn",
    "File name -> BPMN/DMN XML of the deployment.": "Tên tệp -> nội dung BPMN/DMN của lần triển khai.",
    "user task metadata": "thông tin công việc người dùng",
    "BPMN id -> lane, role, form key, rules.": "Mã BPMN -> làn, vai trò, biểu mẫu, quy tắc.",
    "deployed at": "triển khai lúc",
    "deployed by": "người triển khai",
    "process definition": "định nghĩa quy trình",
    "process definitions": "định nghĩa quy trình",
    "Running": "Đang chạy",
    "Completed": "Đã hoàn thành",
    "Cancelled": "Đã hủy",
    "definition": "định nghĩa",
    "business key": "mã nghiệp vụ",
    "status": "trạng thái",
    "workflow state": "trạng thái quy trình",
    "serializer version": "phiên bản định dạng lưu",
    "revision": "lần cập nhật",
    "owning body": "cơ quan quản lý",
    "subject": "đối tượng",
    "What the process is about, e.g. a document.": "Quy trình xử lý việc gì, ví dụ một văn bản.",
    "next timer at": "hẹn giờ kế tiếp",
    "started by": "người khởi tạo",
    "started at": "khởi tạo lúc",
    "ended at": "kết thúc lúc",
    "process instance": "hồ sơ quy trình",
    "process instances": "hồ sơ quy trình",
    "Open": "Đang mở",
    "BPMN id": "mã BPMN",
    "lane": "làn",
    "candidate group": "nhóm ứng viên",
    "assignee": "người được giao",
    "form key": "biểu mẫu",
    "due at": "hạn xử lý",
    "priority": "độ ưu tiên",
    "created at": "tạo lúc",
    "completed at": "hoàn thành lúc",
    "completed by": "người hoàn thành",
    "task": "công việc",
    "tasks": "công việc",
    "stream": "luồng nhật ký",
    "sequence": "số thứ tự",
    "at": "thời điểm",
    "actor": "người thực hiện",
    "actor name": "tên người thực hiện",
    "action": "hành động",
    "BPMN element": "phần tử BPMN",
    "before": "trước",
    "after": "sau",
    "audit event": "sự kiện nhật ký",
    "audit events": "sự kiện nhật ký",
    "audit stream": "luồng nhật ký",
    "audit streams": "luồng nhật ký",
}
